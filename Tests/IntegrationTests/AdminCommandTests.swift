import Foundation
import KafkaClient
import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// `recworker user erase|refresh`, `runs list|show|rollback`, `llm-cache purge` and the nightly job's
/// maintenance (cache expiry, interaction retention), on a real database.
final class AdminCommandTests: XCTestCase {
    var database: TestDatabase!
    let binary = try! RecworkerBinary.locate()

    override func setUpWithError() throws {
        database = try TestDatabase()
        try NightlyFixtures.load(into: database.connect(), users: 30, items: 120, ratingsPerUser: 5...20)
    }

    override func tearDown() { database?.drop() }

    private func recworker(_ arguments: [String], environment: [String: String] = [:]) throws -> RecworkerBinary.Output {
        let result = try binary.run(arguments + ["--database-url", database.url], environment: environment)
        XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
        return result
    }

    private func count(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> Int {
        try database.connect().query(sql, parameters)[0].int("n")
    }

    func testEraseLeavesNoRowOfTheUserAnywhere() throws {
        _ = try recworker(["nightly", "--progress", "none"])
        _ = try recworker(["nightly", "--progress", "none"])
        let connection = try database.connect()
        let cache = LLMCacheStore(connection: connection)
        try cache.put(key: "prompt-of-5", model: "m", content: "{}", usage: nil, ttlSeconds: 3600, userID: 5)
        try cache.put(key: "prompt-of-6", model: "m", content: "{}", usage: nil, ttlSeconds: 3600, userID: 6)
        try RefreshQueue.enqueue(userID: 5, on: connection)
        try connection.execute("""
            INSERT INTO dead_letters (user_id, topic, partition, kafka_offset, payload, payload_bytes, reason)
            VALUES (5, 't', 0, 1, 'x'::bytea, 1, 'test')
            """)
        let perUser = try UserErasure.perUserTables(connection)
        XCTAssertTrue(Set(["interactions", "user_profiles", "users", "recommendation_lists", "refresh_queue", "llm_cache_users"]).isSubset(of: perUser), "\(perUser)")
        XCTAssertGreaterThan(try count("SELECT count(*) AS n FROM recommendations WHERE user_id = 5"), 0)
        XCTAssertGreaterThan(try count("SELECT count(DISTINCT run_id) AS n FROM recommendations WHERE user_id = 5"), 1, "rows in every kept run")

        let erased = try recworker(["user", "erase", "--user", "5"])
        XCTAssertTrue(erased.stdout.contains("erased user 5"), erased.stdout)
        XCTAssertEqual(try itemStats(connection), try itemStatsFromInteractions(connection),
                       "item_stats must count exactly the interactions left after the erasure")

        for table in perUser {
            XCTAssertEqual(try count("SELECT count(*) AS n FROM \(table) WHERE user_id = 5"), 0, "\(table) still has rows of user 5")
        }
        XCTAssertEqual(try count("SELECT count(*) AS n FROM current_recommendations WHERE user_id = 5"), 0)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM llm_cache WHERE cache_key = 'prompt-of-5'"), 0)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM llm_cache WHERE cache_key = 'prompt-of-6'"), 1, "another user's cache entry went too")
        XCTAssertEqual(try count("SELECT count(*) AS n FROM erasures"), 1)
        let auditColumns = try connection.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'erasures'").map { try $0.string("column_name") }
        XCTAssertEqual(Set(auditColumns), ["erasure_id", "erased_at", "requested_by", "rows_deleted"], "the audit row must hold no personal data")
        XCTAssertGreaterThan(try count("SELECT count(*) AS n FROM user_profiles"), 0, "other users were erased too")

        // A later event of the same id starts a new profile.
        let event = InteractionEvent(eventID: "after-erasure", userID: 5, itemID: 1, type: .rating, value: 4, timestamp: 1_800_000_000)
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: [event], deadLetters: [], progress: []))
        XCTAssertEqual(try count("SELECT event_count AS n FROM user_profiles WHERE user_id = 5"), 1)
    }

    func testEraseSendsAnEmptyListToTheOutputTopic() throws {
        let brokers = try TestEnvironment.require("KAFKA_BROKERS")
        let topic = TestEnvironment.uniqueTopic("erased")
        let erased = try recworker(["user", "erase", "--user", "9"],
                                   environment: ["RECWORKER_KAFKA_OUTPUT_ENABLED": "true", "RECWORKER_KAFKA_OUTPUT_TOPIC": topic, "KAFKA_BROKERS": brokers])
        XCTAssertTrue(erased.stdout.contains("sent an empty list for user 9"), erased.stdout)
        let consumer = try KafkaConsumer(brokers: brokers, groupID: "test-\(topic)", topics: [topic], startingOffsets: { _ in [:] })
        defer { consumer.close() }
        var messages = [KafkaMessage]()
        let deadline = Date().addingTimeInterval(30)
        while messages.isEmpty, Date() < deadline { messages += try consumer.poll(maxMessages: 10, timeout: .milliseconds(500)) }
        let decoded = try messages.map { try RecommendationMessageCodec.decode($0.value) }
        XCTAssertEqual(decoded.map(\.userID), [9])
        XCTAssertEqual(decoded.first?.rows, [])
    }

    func testRefreshQueuesTheUser() throws {
        _ = try recworker(["user", "refresh", "--user", "7"])
        XCTAssertEqual(try count("SELECT count(*) AS n FROM refresh_queue WHERE user_id = 7"), 1)
    }

    func testRunsListShowAndRollback() throws {
        _ = try recworker(["nightly", "--progress", "none"])
        _ = try recworker(["nightly", "--progress", "none"])
        let runs = try database.connect().query("SELECT run_id FROM recommendation_runs ORDER BY run_id").map { try $0.int("run_id") }
        XCTAssertEqual(runs.count, 2)
        let list = try recworker(["runs", "list"])
        XCTAssertTrue(list.stdout.contains("* \(String(repeating: " ", count: max(0, 6 - String(runs[1]).count)))\(runs[1])"), list.stdout)

        let rollback = try recworker(["runs", "rollback", "--to", String(runs[0])])
        XCTAssertTrue(rollback.stdout.contains("current run is now \(runs[0]) (was \(runs[1]))"), rollback.stdout)
        XCTAssertEqual(try count("SELECT current_run_id AS n FROM publication_state"), runs[0])
        XCTAssertEqual(try count("SELECT count(DISTINCT run_id) AS n FROM current_recommendations"), 1)
        XCTAssertEqual(try database.connect().query("SELECT status FROM recommendation_runs WHERE run_id = $1", [runs[1]])[0].string("status"), "superseded")
        let show = try recworker(["runs", "show", String(runs[0])])
        XCTAssertTrue(show.stdout.contains("\(runs[0]) (current)"), show.stdout)

        let missing = try binary.run(["runs", "rollback", "--to", "999999", "--database-url", database.url])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("run 999999 does not exist"), missing.stderr)
    }

    func testCachePurgeAndNightlyMaintenance() throws {
        let connection = try database.connect()
        let cache = LLMCacheStore(connection: connection)
        try cache.put(key: "expired", model: "m", content: "{}", usage: nil, ttlSeconds: -1, userID: 1)
        try cache.put(key: "live", model: "m", content: "{}", usage: nil, ttlSeconds: 3600, userID: 2)
        XCTAssertTrue(try recworker(["llm-cache", "purge", "--expired"]).stdout.contains("deleted 1 expired"))
        XCTAssertEqual(try count("SELECT count(*) AS n FROM llm_cache"), 1)
        XCTAssertTrue(try recworker(["llm-cache", "purge", "--all"]).stdout.contains("deleted 1 LLM cache entries"))

        try cache.put(key: "expired-again", model: "m", content: "{}", usage: nil, ttlSeconds: -1, userID: 1)
        let recent = InteractionEvent(eventID: "recent", userID: 3, itemID: 2, type: .view, value: 1, timestamp: Date().timeIntervalSince1970)
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: [recent], deadLetters: [], progress: []))
        // The fixtures' events are from 2023: all but the recent one are past a one-year retention.
        _ = try recworker(["nightly", "--progress", "none"],
                          environment: ["RECWORKER_RETENTION_INTERACTIONS_DAYS": "365", "RECWORKER_RETENTION_BATCH_SIZE": "100"])
        XCTAssertEqual(try count("SELECT count(*) AS n FROM llm_cache"), 0, "the nightly job did not purge expired answers")
        XCTAssertEqual(try count("SELECT count(*) AS n FROM interactions"), 1)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM interactions WHERE event_id = 'recent'"), 1)
    }

    /// Activity and genre sums are computed from the interactions when read; what retention deletes is folded into
    /// their archives in the same statement, so both views read the same before and after.
    func testRetentionKeepsActivityAndGenreSums() throws {
        let connection = try database.connect()
        let activityBefore = try activity(connection)
        let affinityBefore = try affinity(connection)
        XCTAssertGreaterThanOrEqual(activityBefore.count, 30, "one row per user at least")
        XCTAssertGreaterThan(affinityBefore.count, 30)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM user_activity_archive"), 0)

        let deleted = try InteractionRetention(connection: connection).deleteOlderThan(days: 365, batchSize: 37)
        XCTAssertGreaterThan(deleted, 100)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM interactions"), 0)
        XCTAssertEqual(try activity(connection), activityBefore)
        let affinityAfter = try affinity(connection)
        XCTAssertEqual(Set(affinityAfter.keys), Set(affinityBefore.keys))
        for (key, sums) in affinityBefore {
            for (before, after) in zip(sums, affinityAfter[key]!) {
                XCTAssertEqual(after, before, accuracy: 1e-9 * max(abs(before), 1), "\(key)")
            }
        }
    }

    private func activity(_ connection: PostgresConnection) throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try connection.query("SELECT user_id, weekday, hour, events FROM user_activity").map {
            ("\(try $0.int("user_id"))/\(try $0.int("weekday"))/\(try $0.int("hour"))", try $0.int("events"))
        })
    }

    private func affinity(_ connection: PostgresConnection) throws -> [String: [Double]] {
        Dictionary(uniqueKeysWithValues: try connection.query(
            "SELECT user_id, genre, rated_weight, rating_weight, implicit_weight FROM user_genre_affinity").map {
            ("\(try $0.int("user_id"))/\(try $0.string("genre"))",
             [try $0.double("rated_weight"), try $0.double("rating_weight"), try $0.double("implicit_weight")])
        })
    }

    private func itemStats(_ connection: PostgresConnection) throws -> [Int: [Double]] {
        try itemCounters(connection, "SELECT item_id, interaction_count AS n, rating_count AS r, rating_sum AS s FROM item_stats WHERE interaction_count > 0")
    }

    private func itemStatsFromInteractions(_ connection: PostgresConnection) throws -> [Int: [Double]] {
        try itemCounters(connection, """
            SELECT item_id, count(*) AS n, count(*) FILTER (WHERE type = 'rating') AS r,
                   coalesce(sum(value) FILTER (WHERE type = 'rating'), 0) AS s
            FROM interactions GROUP BY item_id
            """)
    }

    private func itemCounters(_ connection: PostgresConnection, _ sql: String) throws -> [Int: [Double]] {
        Dictionary(uniqueKeysWithValues: try connection.query(sql).map {
            (try $0.int("item_id"), [try $0.double("n"), try $0.double("r"), try $0.double("s")])
        })
    }
}
