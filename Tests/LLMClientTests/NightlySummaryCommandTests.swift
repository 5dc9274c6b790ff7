import Foundation
import Pipeline
import PostgresClient
import ScriptedLLMServer
import Storage
import TestSupport
import XCTest

/// `recworker nightly` with `--profile-summary llm` against the scripted fake endpoint: LLM users get a summary
/// before their rerank, the rerank prompt uses it, it is stored, and it is asked again only after the profile
/// changed materially.
final class NightlySummaryCommandTests: XCTestCase {
    private var server: ScriptedLLMServer?
    private var database: TestDatabase?

    override func tearDown() {
        server?.shutdown()
        database?.drop()
    }

    static let summaryText = "Enjoys a broad mix of films and rates them evenly."

    private static func isSummary(_ request: ScriptedLLMServer.Received) -> Bool { request.body["response_format"] == nil }

    private static func events(user: Int, items: ClosedRange<Int>) -> [InteractionEvent] {
        items.map { item in
            InteractionEvent(eventID: "n-\(user)-\(item)", userID: user, itemID: item, type: .rating,
                             value: Double(1 + (user + item) % 5), timestamp: 1_700_000_000 + Double(user * 1000 + item))
        }
    }

    /// Six users with twelve ratings each, and the fake endpoint.
    private func setUp() throws -> (database: TestDatabase, connection: PostgresConnection, ingest: IngestStore, server: ScriptedLLMServer) {
        let database = try TestDatabase()
        self.database = database
        let connection = try database.connect()
        let genres = ["Action", "Comedy", "Drama", "Horror"]
        try CatalogStore(connection: connection).upsert(items: (1...40).map {
            Item(id: $0, title: "Film \($0)", year: 1990 + $0 % 10, genres: [genres[$0 % 4], genres[($0 / 4) % 4]])
        })
        let ingest = IngestStore(connection: connection)
        _ = try ingest.apply(IngestBatch(groupID: "t", events: (1...6).flatMap { Self.events(user: $0, items: $0...($0 + 11)) },
                                         deadLetters: [], progress: []))
        let server = try ScriptedLLMServer { _, request in Self.isSummary(request) ? .complete(content: Self.summaryText) : .complete() }
        self.server = server
        return (database, connection, ingest, server)
    }

    private func nightly(_ database: TestDatabase, _ server: ScriptedLLMServer, llmUsers: Int = 3) throws {
        let output = try RecworkerBinary.locate().run([
            "nightly", "--database-url", database.url, "--progress", "none", "--llm-base-url", server.baseURL, "--llm-model", "fake",
            "--llm-max-attempts", "1", "--profile-summary", "llm", "--setting", "llm.enabled=true",
            "--setting", "nightly.llm_max_users=\(llmUsers)",
        ], environment: ["LLM_API_KEY": ""])
        XCTAssertEqual(output.status, 0, output.stderr)
    }

    /// The refresher bases a summary on the stored profile; the nightly job must judge it by the same facts, or the two
    /// would take turns rewriting it.
    func testASummaryTheStreamWroteIsCurrentForTheNightly() throws {
        let (database, connection, ingest, server) = try setUp()
        // User 7's taste moved: thirty old horror ratings, then twenty recent comedies. Its whole-history top genres
        // (what the stream reads) and its recent history's (all a snapshot profile has by itself) share none.
        try CatalogStore(connection: connection).upsert(items: (101...150).map {
            Item(id: $0, title: "Film \($0)", year: 1990, genres: $0 <= 130 ? ["Horror", "Mystery", "Thriller"] : ["Comedy", "Musical", "Romance"])
        })
        _ = try ingest.apply(IngestBatch(groupID: "t", events: (101...150).map {
            InteractionEvent(eventID: "moved-\($0)", userID: 7, itemID: $0, type: .rating, value: 5, timestamp: 1_700_000_000 + Double($0))
        }, deadLetters: [], progress: []))
        let store = ProfileStore(connection: connection)
        let profiles = try store.profiles(userIDs: Array(1...7))
        XCTAssertEqual(Set(SummaryBasis(profile: profiles[7]!).topGenres), ["Horror", "Mystery", "Thriller"])
        try store.storeSummaries(profiles.mapValues {
            WrittenSummary(text: "Written by the stream.", source: .llm, model: "fake", basis: SummaryBasis(profile: $0), withDemographics: false)
        })
        try nightly(database, server, llmUsers: 7)
        XCTAssertEqual(server.log.filter(Self.isSummary).count, 0, "the nightly rewrote summaries the stream had just written")
        XCTAssertEqual(server.log.count, 7, "one rerank per user")
    }

    func testNightlyWritesSummariesOnceAndAgainOnlyAfterAMaterialChange() throws {
        let (database, connection, ingest, server) = try setUp()
        func nightly() throws { try self.nightly(database, server) }
        func summaryRequests() -> Int { server.log.filter(Self.isSummary).count }

        try nightly()
        XCTAssertEqual(summaryRequests(), 3, "one summary per LLM user")
        let reranks = server.log.filter { !Self.isSummary($0) }
        XCTAssertEqual(reranks.count, 3)
        for request in reranks {
            let prompt = (request.body["messages"] as? [[String: Any]])?.last?["content"] as? String ?? ""
            XCTAssertTrue(prompt.contains("User profile: \(Self.summaryText)"), prompt)
        }
        let stored = try connection.query("SELECT user_id, summary, summary_source, summary_model, event_count FROM profile_summaries ORDER BY user_id")
        XCTAssertEqual(stored.count, 3)
        for row in stored {
            XCTAssertEqual(row["summary"], Self.summaryText)
            XCTAssertEqual(row["summary_source"], "llm")
            XCTAssertEqual(row["summary_model"], "fake")
            XCTAssertEqual(try row.int("event_count"), 12)
        }

        // Nothing changed: the stored summaries stand and no summary is asked.
        try nightly()
        XCTAssertEqual(summaryRequests(), 3)

        // One LLM user grows by half: only that user's summary is asked again.
        let grown = try stored[0].int("user_id")
        _ = try ingest.apply(IngestBatch(groupID: "t", events: Self.events(user: grown, items: 30...35), deadLetters: [], progress: []))
        try nightly()
        XCTAssertEqual(summaryRequests(), 4)
        XCTAssertEqual(try connection.query("SELECT event_count FROM profile_summaries WHERE user_id = $1", [grown])[0].int("event_count"), 18)
    }
}
