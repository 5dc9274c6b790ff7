import Foundation
import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// `ProfileStore.profiles` computes history, activity and genre sums in one read of the users' interactions; the
/// `user_activity` and `user_genre_affinity` views compute them in SQL for SQL users. Both must agree, archives
/// (what retention deleted) included.
final class ProfileStoreAggregatesTests: XCTestCase {
    func testProfilesAgreeWithTheViewsAndTheHistoryQuery() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("""
            INSERT INTO items (item_id, title, genres)
            SELECT n, 'Item ' || n, (ARRAY['{Drama}', '{Drama,Comedy}', '{}', '{Horror,Sci-Fi,Drama}'])[1 + n % 4]::text[]
            FROM generate_series(1, 30) n
            """)
        let types = InteractionType.allCases
        let now = Date().timeIntervalSince1970
        var events = [InteractionEvent]()
        for user in 1...6 {
            for n in 0..<(user * 9) {
                // Spread over years, fractional seconds, some before 1970, repeats of a timestamp (tie by event id),
                // and items without metadata (41…).
                let timestamp = n % 7 == 0 ? 1_000_000_000.25 : Double(-200_000_000 + n * 97_531_013 % 1_900_000_000) + Double(n % 10) / 8
                events.append(InteractionEvent(eventID: "e\(user)-\(n)", userID: user, itemID: n % 11 == 0 ? 40 + n : 1 + (n * 7 + user) % 30,
                                               type: types[(n + user) % types.count], value: Double(1 + (n + user) % 5), timestamp: timestamp))
            }
        }
        events.append(InteractionEvent(eventID: "recent", userID: 2, itemID: 3, type: .rating, value: 5, timestamp: now))
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: events, deadLetters: [], progress: []))
        // Retention folds the oldest events into the archives.
        XCTAssertGreaterThan(try InteractionRetention(connection: connection).deleteOlderThan(days: 365 * 30, batchSize: 7), 0)
        XCTAssertGreaterThan(try connection.query("SELECT count(*) AS n FROM user_activity_archive")[0].int("n"), 0)

        let profiles = try ProfileStore(connection: connection).profiles(userIDs: Array(1...7), historyLength: 5)
        XCTAssertNil(profiles[7])
        for user in 1...6 {
            let profile = try XCTUnwrap(profiles[user])
            var activity = ActivityHistogram()
            for row in try connection.query("SELECT weekday, hour, events FROM user_activity WHERE user_id = $1", [user]) {
                activity.add(weekday: try row.int("weekday"), hour: try row.int("hour"), events: try row.int("events"))
            }
            XCTAssertEqual(profile.activity, activity, "user \(user)")

            let genres = try connection.query(
                "SELECT genre, rated_weight, rating_weight, implicit_weight FROM user_genre_affinity WHERE user_id = $1", [user])
            XCTAssertEqual(Set(profile.genreWeights?.sums.keys ?? [:].keys), Set(try genres.map { try $0.string("genre") }), "user \(user)")
            for row in genres {
                let sums = try XCTUnwrap(profile.genreWeights?.sums[try row.string("genre")])
                for (swift, sql) in [(sums.rated, try row.double("rated_weight")), (sums.rating, try row.double("rating_weight")),
                                     (sums.implicit, try row.double("implicit_weight"))] {
                    XCTAssertEqual(swift, sql, accuracy: 1e-9 * max(abs(sql), 1e-300), "user \(user)")
                }
            }

            let expectedHistory = try connection.query("""
                SELECT item_id, extract(epoch FROM occurred_at)::float8 AS ts FROM (
                    SELECT item_id, occurred_at FROM interactions WHERE user_id = $1 ORDER BY occurred_at DESC, event_id COLLATE "C" DESC LIMIT 5) h
                ORDER BY occurred_at DESC, item_id
                """, [user])
            XCTAssertEqual(profile.recentHistory.map(\.item.id), try expectedHistory.map { try $0.int("item_id") }, "user \(user)")
            for (entry, row) in zip(profile.recentHistory, expectedHistory) {
                XCTAssertEqual(entry.timestamp, try row.double("ts"), accuracy: 1e-6)
                if entry.item.id > 30 { XCTAssertEqual(entry.item.title, "Item \(entry.item.id)") }
            }
        }
    }

    /// Events at the same microsecond across the history's cut: the ones kept are those with the greatest event ids
    /// in byte order, as the nightly snapshot orders them, and the user's aggregates still count every event.
    func testATieAcrossTheHistoryCutKeepsTheGreatestEventIDs() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        // Ids chosen so byte order differs from numeric order ("e10" < "e9").
        let tied = [3, 9, 10, 11, 25, 100, 7].map { InteractionEvent(eventID: "e\($0)", userID: 1, itemID: $0, type: .rating, value: 4, timestamp: 1_700_000_000) }
        let older = InteractionEvent(eventID: "z-old", userID: 1, itemID: 500, type: .view, value: 1, timestamp: 1_600_000_000)
        let untied = (1...6).map { InteractionEvent(eventID: "u\($0)", userID: 2, itemID: $0, type: .rating, value: 3, timestamp: 1_700_000_000 + Double($0)) }
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: tied + [older] + untied, deadLetters: [], progress: []))

        let profiles = try ProfileStore(connection: connection).profiles(userIDs: [1, 2], historyLength: 4)
        let expected = try connection.query("""
            SELECT item_id FROM interactions WHERE user_id = 1 ORDER BY occurred_at DESC, event_id COLLATE "C" DESC LIMIT 4
            """).map { try $0.int("item_id") }.sorted()
        XCTAssertEqual(expected, [3, 7, 9, 25], "byte order: e9 > e7 > e3 > e25 > e11 > e100 > e10")
        XCTAssertEqual(profiles[1]?.recentHistory.map(\.item.id), expected, "same timestamp: ordered by item")
        XCTAssertEqual(profiles[1]?.activity.total, 8)
        XCTAssertEqual(profiles[2]?.recentHistory.map(\.item.id), [6, 5, 4, 3])
    }
}
