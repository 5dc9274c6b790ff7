import Logging
import Pipeline
import PostgresClient
import Storage
import Synchronization
import TestSupport
@testable import Worker
import XCTest

/// The refresher keeps its leases while a claim waits on the LLM, and one user whose refresh keeps failing is
/// recorded and skipped while every other user is published.
final class RefresherTests: XCTestCase {
    private var database: TestDatabase!
    private var connection: PostgresConnection!

    override func setUpWithError() throws {
        database = try TestDatabase()
        connection = try database.connect()
        // Three users, three items: each user's candidates are the two items they have not seen.
        let events = (1...3).map {
            InteractionEvent(eventID: "e\($0)", userID: $0, itemID: $0, type: .rating, value: 4, timestamp: 1_700_000_000)
        }
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: events, deadLetters: [], progress: []))
    }

    override func tearDown() { database?.drop() }

    private func refresher(lease: Duration, maxAttempts: Int = 5, reranker: (any Reranker)? = nil, clock: any Clock<Duration> = ContinuousClock(),
                           usersPerClaim: Int = 10, maxLLMCalls: Int? = nil, publishedCount: Int = 5) -> Refresher {
        var settings = RefreshSettings(candidateCount: 10, publishedCount: publishedCount, usersPerClaim: usersPerClaim, maxUsersPerClaim: usersPerClaim,
                                       claimLease: lease, includeDemographics: false, maxLLMCalls: maxLLMCalls, modelVersion: "popularity")
        settings.maxAttempts = maxAttempts
        return Refresher(settings: settings, connection: connection, reranker: reranker, models: nil, output: nil,
                         logger: Logger(label: "test"), clock: clock)
    }

    private func published() throws -> Set<Int> {
        Set(try connection.query("SELECT DISTINCT user_id FROM current_recommendations").map { try $0.int("user_id") })
    }

    func testLeasesAreExtendedWhileTheClaimWaitsOnTheLLM() async throws {
        let clock = ManualClock()
        let reranker = GatedReranker()
        let refresher = refresher(lease: .seconds(30), reranker: reranker, clock: clock)
        let work = Task { try await refresher.refreshNextUsers() }

        var sleeps = clock.sleeps.makeAsyncIterator()
        _ = await sleeps.next()  // the lease keeper waits a third of the lease
        _ = await reranker.started.first { _ in true }
        let before = try leaseSecondsLeft()
        XCTAssertGreaterThan(before, 25)
        // Real time does not pass in the test, so mark the leases nearly run out, then let the keeper run once.
        try connection.execute("UPDATE refresh_queue SET claimed_until = now() + interval '1 second'")
        clock.advance(by: .seconds(10))
        _ = await sleeps.next()  // one extension done, the keeper waits again
        XCTAssertGreaterThan(try leaseSecondsLeft(), 25, "the leases were pushed a whole lease ahead")

        reranker.open()
        let handled = try await work.value
        XCTAssertEqual(handled, 3)
        XCTAssertEqual(try published(), [1, 2, 3])
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM refresh_queue")[0].int("n"), 0)
    }

    func testUserWhoseRefreshKeepsFailingIsSkippedAndTheOthersPublished() async throws {
        try connection.executeScript("""
            CREATE FUNCTION refuse_user_2() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.user_id = 2 THEN RAISE EXCEPTION 'user 2 has a row the table refuses'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_user_2 BEFORE INSERT ON recommendation_lists FOR EACH ROW EXECUTE FUNCTION refuse_user_2();
            """)
        let refresher = refresher(lease: .seconds(30), maxAttempts: 2)
        let first = try await refresher.refreshNextUsers()
        XCTAssertEqual(first, 3)
        XCTAssertEqual(try published(), [1, 3], "the failing user's claim-mates are published")
        let second = try await refresher.refreshNextUsers()
        XCTAssertEqual(second, 0, "the failing user waits for its retry time")

        try connection.execute("UPDATE refresh_queue SET claimed_until = now() - interval '1 second'")
        let retried = try await refresher.refreshNextUsers()
        XCTAssertEqual(retried, 1)
        let pending = try await refresher.pendingUsers()
        XCTAssertEqual(pending, 0, "given up after the last attempt")
        let failure = try connection.query("SELECT attempts, last_error, gave_up_at IS NOT NULL AS gave_up FROM refresh_failures WHERE user_id = 2")
        XCTAssertEqual(failure.first?["attempts"], "2")
        XCTAssertEqual(failure.first?["gave_up"], "t")
        XCTAssertTrue(failure.first?["last_error"]?.contains("user 2 has a row the table refuses") == true)
    }

    func testAFailureOfEveryUserIsNotBlamedOnTheUsers() async throws {
        try connection.execute("ALTER TABLE recommendation_lists ADD CONSTRAINT refuse_all CHECK (cardinality(item_ids) < 0) NOT VALID")
        let refresher = refresher(lease: .seconds(30), maxAttempts: 1)
        do {
            _ = try await refresher.refreshNextUsers()
            XCTFail("a failure of every user must reach the refresh loop")
        } catch {}
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM refresh_failures")[0].int("n"), 0)
        let pending = try await refresher.pendingUsers()
        XCTAssertEqual(pending, 3)
    }

    func testLanesRefreshDifferentUsersAtOnceAndShareTheLLMBudget() async throws {
        let reranker = GatedReranker()
        let first = refresher(lease: .seconds(30), reranker: reranker, usersPerClaim: 1, maxLLMCalls: 2)
        let second = first.lane(connection: try database.connect())
        let firstClaim = Task { try await first.refreshNextUsers() }
        let secondClaim = Task { try await second.refreshNextUsers() }
        // Both lanes are inside an LLM call before either returns: they work at the same time, on different users.
        var started = reranker.started.makeAsyncIterator()
        let asked = [await started.next(), await started.next()].compactMap { $0 }
        XCTAssertEqual(Set(asked).count, 2, "each lane claimed its own user")

        reranker.open()
        let handledFirst = try await firstClaim.value
        let handledSecond = try await secondClaim.value
        XCTAssertEqual(handledFirst + handledSecond, 2)
        let last = try await second.refreshNextUsers()
        XCTAssertEqual(last, 1)
        XCTAssertEqual(reranker.calls, 2, "the budget of two calls is the process's, not each lane's")
        XCTAssertEqual(try published(), [1, 2, 3])
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM recommendations")[0].int("n"), 6, "two rows per user, once")
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM refresh_queue")[0].int("n"), 0)
        XCTAssertNotNil(first.phaseSeconds[.rerank], "the wait for the LLM is timed")
        XCTAssertEqual(first.phaseSeconds, second.phaseSeconds, "lanes add to one set of totals")
    }

    func testEveryStepOfARefreshWithoutTheLLMIsTimed() async throws {
        let refresher = refresher(lease: .seconds(30))
        XCTAssertEqual(refresher.phaseSeconds, [:])
        let handled = try await refresher.refreshNextUsers()
        XCTAssertEqual(handled, 3)
        XCTAssertEqual(Set(refresher.phaseSeconds.keys), Set(RefreshPhase.allCases).subtracting([.rerank]))
        XCTAssertTrue(refresher.phaseSeconds.values.allSatisfy { $0 > 0 })
    }

    func testOnlyUsersWithinTheLLMBudgetHaveEveryCandidateBuilt() async throws {
        let reranker = GatedReranker()
        reranker.open()
        // Each user has two unseen items; one row is published. The budget covers one of the three users.
        let refresher = refresher(lease: .seconds(30), reranker: reranker, maxLLMCalls: 1, publishedCount: 1)
        let handled = try await refresher.refreshNextUsers()
        XCTAssertEqual(handled, 3)
        XCTAssertEqual(reranker.candidateCounts, [2], "the reranked user's request holds every candidate")
        let rows = try connection.query("SELECT user_id, count(*) AS n FROM recommendations GROUP BY user_id ORDER BY user_id")
        XCTAssertEqual(try rows.map { try $0.int("n") }, [1, 1, 1], "everyone gets the published count, the model's first pick")
    }

    private func leaseSecondsLeft() throws -> Double {
        try connection.query("SELECT extract(epoch FROM min(claimed_until) - now()) AS s FROM refresh_queue")[0].double("s")
    }
}

/// A reranker whose calls wait until the test opens the gate, then fail (the refresher publishes model order).
private final class GatedReranker: Reranker, Sendable {
    struct Closed: Error {}
    let started: AsyncStream<Int>
    private let announce: AsyncStream<Int>.Continuation
    private let gate = Mutex<(isOpen: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))
    private let callCount = Mutex(0)
    private let candidatesAsked = Mutex([Int]())

    var calls: Int { callCount.withLock { $0 } }
    /// How many candidates each call was given, in call order.
    var candidateCounts: [Int] { candidatesAsked.withLock { $0 } }

    init() { (started, announce) = AsyncStream.makeStream(of: Int.self) }

    func open() {
        let waiting = gate.withLock { gate in
            gate.isOpen = true
            defer { gate.waiting = [] }
            return gate.waiting
        }
        waiting.forEach { $0.resume() }
    }

    func rerank(_ request: RerankRequest) async throws -> RerankResult {
        callCount.withLock { $0 += 1 }
        candidatesAsked.withLock { $0.append(request.candidates.count) }
        announce.yield(request.userID)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isOpen = gate.withLock { gate in
                if !gate.isOpen { gate.waiting.append(continuation) }
                return gate.isOpen
            }
            if isOpen { continuation.resume() }
        }
        throw Closed()
    }
}
