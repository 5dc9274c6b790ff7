import Foundation
import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// Item counters are rolled up from the interactions outside the ingest transaction (migration 021): `item_stats`
/// must count every interaction exactly once whether it is rolled up yet or not, across rollups, an ingest
/// transaction still open during one, erasure and retention.
final class ItemStatsRollupTests: XCTestCase {
    private var database: TestDatabase!
    private var connection: PostgresConnection!
    private var batches = 0

    override func setUpWithError() throws {
        database = try TestDatabase()
        connection = try database.connect()
    }

    override func tearDown() { database?.drop() }

    /// One ingest batch, as the stream worker applies it: users × items, ratings and views, at `timestamp`.
    private func ingest(users: ClosedRange<Int>, items: ClosedRange<Int>, timestamp: Double = 1_700_000_000) throws {
        batches += 1
        var events = [InteractionEvent]()
        for user in users {
            for item in items {
                let rating = (user + item) % 2 == 0
                events.append(InteractionEvent(eventID: "b\(batches)-\(user)-\(item)", userID: user, itemID: item,
                                               type: rating ? .rating : .view, value: rating ? Double(1 + (user * item) % 5) : 1,
                                               timestamp: timestamp))
            }
        }
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: events, deadLetters: [], progress: []))
    }

    private func itemStats() throws -> [Int: [Double]] {
        try counters("SELECT item_id, interaction_count AS n, rating_count AS r, rating_sum AS s FROM item_stats WHERE interaction_count <> 0")
    }

    private func countedFromInteractions() throws -> [Int: [Double]] {
        try counters("""
            SELECT item_id, count(*) AS n, count(*) FILTER (WHERE type = 'rating') AS r,
                   coalesce(sum(value) FILTER (WHERE type = 'rating'), 0) AS s
            FROM interactions GROUP BY item_id
            """)
    }

    private func counters(_ sql: String) throws -> [Int: [Double]] {
        Dictionary(uniqueKeysWithValues: try connection.query(sql).map {
            (try $0.int("item_id"), [try $0.double("n"), try $0.double("r"), try $0.double("s")])
        })
    }

    private func pendingInteractions() throws -> Int {
        try connection.query("SELECT coalesce(sum(interaction_count), 0)::int AS n FROM item_stats_pending")[0].int("n")
    }

    func testEveryInteractionIsCountedOnceBeforeAndAfterEachRollup() throws {
        try ingest(users: 1...20, items: 1...15)
        XCTAssertEqual(try itemStats(), try countedFromInteractions(), "not rolled up yet, still counted")
        XCTAssertEqual(try pendingInteractions(), 300)

        XCTAssertEqual(try ItemStatsRollup(connection: connection).rollUp(), 300)
        XCTAssertEqual(try pendingInteractions(), 0)
        XCTAssertEqual(try itemStats(), try countedFromInteractions())

        try ingest(users: 10...30, items: 5...25)
        try ingest(users: 1...5, items: 1...3)
        XCTAssertEqual(try itemStats(), try countedFromInteractions(), "half rolled up, half pending")
        XCTAssertEqual(try ItemStatsRollup(connection: connection).rollUp(), 21 * 21 + 15)
        XCTAssertEqual(try ItemStatsRollup(connection: connection).rollUp(), 0, "nothing new: nothing added")
        XCTAssertEqual(try itemStats(), try countedFromInteractions())
        XCTAssertEqual(try connection.query("SELECT count(DISTINCT shard)::int AS n FROM item_stats_shards")[0].int("n"), 1,
                       "ingest writes no counters: the rollups' shard holds them all")
    }

    /// An ingest transaction that is still open when a rollup runs is not in its position: the next rollup counts
    /// it, once, whichever of the two commits first.
    func testAnIngestTransactionOpenDuringARollupIsCountedOnceAfterItCommits() throws {
        try ingest(users: 1...10, items: 1...10)
        let ingestSide = try database.connect()
        try ingestSide.execute("BEGIN")
        try ingestSide.execute("""
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at)
            SELECT 100 + g, 'open-' || g, 1 + g % 7, 'rating', 4, now() FROM generate_series(1, 50) g
            """)
        XCTAssertEqual(try ItemStatsRollup(connection: connection).rollUp(), 100, "only the committed batch")
        try ingestSide.execute("COMMIT")
        XCTAssertEqual(try itemStats(), try countedFromInteractions(), "the late commit is pending, and counted")
        XCTAssertEqual(try ItemStatsRollup(connection: connection).rollUp(), 50)
        XCTAssertEqual(try itemStats(), try countedFromInteractions())
    }

    func testRollupsOfTwoReplicasTakeTurns() throws {
        try ingest(users: 1...5, items: 1...5)
        let other = try database.connect()
        try other.execute("BEGIN")
        try other.execute("SELECT 1 FROM item_stats_rollup FOR UPDATE")
        XCTAssertNil(try ItemStatsRollup(connection: connection).rollUp(), "the other replica's rollup holds the position")
        try other.execute("ROLLBACK")
        XCTAssertEqual(try ItemStatsRollup(connection: connection).rollUp(), 25)
    }

    /// Erasure takes out only what a rollup counted; the user's pending rows leave `item_stats` with the rows.
    func testErasureKeepsItemStatsExactWhetherTheUsersRowsWereRolledUpOrNot() throws {
        try ingest(users: 1...8, items: 1...6)
        try ItemStatsRollup(connection: connection).rollUp()
        try ingest(users: 4...10, items: 3...9)
        _ = try UserErasure(connection: connection).erase(userID: 5)
        XCTAssertEqual(try itemStats(), try countedFromInteractions())
        try ItemStatsRollup(connection: connection).rollUp()
        XCTAssertEqual(try itemStats(), try countedFromInteractions())
    }

    /// Retention keeps the item counters of what it deletes (they summarise), rolled up yet or not.
    func testRetentionKeepsTheCountersOfDeletedRowsRolledUpOrNot() throws {
        let old = Date().timeIntervalSince1970 - 400 * 86_400
        try ingest(users: 1...6, items: 1...4, timestamp: old)
        try ItemStatsRollup(connection: connection).rollUp()
        try ingest(users: 7...12, items: 3...8, timestamp: old)
        try ingest(users: 1...3, items: 1...2, timestamp: Date().timeIntervalSince1970)
        let before = try itemStats()
        XCTAssertEqual(try InteractionRetention(connection: connection).deleteOlderThan(days: 365, batchSize: 10), 24 + 36)
        XCTAssertEqual(try connection.query("SELECT count(*)::int AS n FROM interactions")[0].int("n"), 6)
        XCTAssertEqual(try itemStats(), before)
        try ItemStatsRollup(connection: connection).rollUp()
        XCTAssertEqual(try itemStats(), before)
    }
}
