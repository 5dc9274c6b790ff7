import Foundation
import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// Migration 013 turns the stored activity, genre-sum and item-counter tables into views. A database that already
/// holds aggregates, including history that retention deleted from `interactions`, must read the same after it.
final class FewerIngestRowsMigrationTests: XCTestCase {
    func testAggregatesReadTheSameAfterTheMigrationAndTheSQLDecayMatchesSwift() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        let all = try Migrator.bundled().migrations
        try Migrator(migrations: all.filter { $0.version < 13 }).migrate(connection)

        try connection.execute("""
            INSERT INTO items (item_id, title, genres) VALUES (1, 'One', '{Drama,Comedy}'), (2, 'Two', '{Drama}'), (3, 'Three', '{}')
            """)
        let events = [
            InteractionEvent(eventID: "a", userID: 7, itemID: 1, type: .rating, value: 4, timestamp: 1_700_000_000),
            InteractionEvent(eventID: "b", userID: 7, itemID: 2, type: .view, value: 1, timestamp: 1_700_090_000),
            InteractionEvent(eventID: "c", userID: 7, itemID: 3, type: .rating, value: 2, timestamp: 1_700_200_000),
            InteractionEvent(eventID: "d", userID: 8, itemID: 2, type: .rating, value: 5, timestamp: 1_650_000_000),
        ]
        for event in events {
            let decay = GenreWeights.decay(at: event.timestamp)
            let genres = [1: ["Drama", "Comedy"], 2: ["Drama"], 3: []][event.itemID]!
            try connection.execute("""
                INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at) VALUES ($1, $2, $3, $4, $5, to_timestamp($6))
                """, [event.userID, event.eventID, event.itemID, event.type.rawValue, event.value, event.timestamp])
            // What the old ingest statement added for this event.
            try connection.execute("""
                INSERT INTO user_activity AS a (user_id, weekday, hour, events)
                SELECT $1, extract(isodow FROM to_timestamp($2) AT TIME ZONE 'UTC'), extract(hour FROM to_timestamp($2) AT TIME ZONE 'UTC'), 1
                ON CONFLICT (user_id, weekday, hour) DO UPDATE SET events = a.events + 1
                """, [event.userID, event.timestamp])
            for genre in genres {
                let rating = event.type == .rating
                try connection.execute("""
                    INSERT INTO user_genre_affinity AS g (user_id, genre, rated_weight, rating_weight, implicit_weight) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (user_id, genre) DO UPDATE SET rated_weight = g.rated_weight + EXCLUDED.rated_weight,
                        rating_weight = g.rating_weight + EXCLUDED.rating_weight, implicit_weight = g.implicit_weight + EXCLUDED.implicit_weight
                    """, [event.userID, genre, rating ? decay : 0, rating ? decay * event.value : 0, rating ? 0 : decay])
            }
            try connection.execute("""
                INSERT INTO item_stats AS s (item_id, interaction_count, rating_count, rating_sum) VALUES ($1, 1, $2, $3)
                ON CONFLICT (item_id) DO UPDATE SET interaction_count = s.interaction_count + 1,
                    rating_count = s.rating_count + EXCLUDED.rating_count, rating_sum = s.rating_sum + EXCLUDED.rating_sum
                """, [event.itemID, event.type == .rating ? 1 : 0, event.type == .rating ? event.value : 0])
        }
        // Retention under the old schema deleted user 8's event and kept its aggregates.
        try connection.execute("DELETE FROM interactions WHERE event_id = 'd'")
        let before = try snapshot(connection)

        try Migrator.bundled().migrate(connection)

        let after = try snapshot(connection)
        XCTAssertEqual(after.activity, before.activity)
        XCTAssertEqual(after.items, before.items)
        XCTAssertEqual(Set(after.affinity.keys), Set(before.affinity.keys))
        for (key, sums) in before.affinity {
            for (old, new) in zip(sums, after.affinity[key]!) {
                XCTAssertEqual(new, old, accuracy: 1e-12 * max(abs(old), 1), key)
            }
        }
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM user_genre_affinity_archive WHERE user_id = 7")[0].int("n"), 0,
                       "user 7's live interactions explain all its sums: the SQL decay must equal GenreWeights.decay")
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM user_genre_affinity_archive WHERE user_id = 8")[0].int("n"), 1)
    }

    private struct Aggregates {
        var activity: [String: Int]
        var affinity: [String: [Double]]
        var items: [Int: [Double]]
    }

    private func snapshot(_ connection: PostgresConnection) throws -> Aggregates {
        Aggregates(
            activity: Dictionary(uniqueKeysWithValues: try connection.query("SELECT user_id, weekday, hour, events FROM user_activity").map {
                ("\(try $0.int("user_id"))/\(try $0.int("weekday"))/\(try $0.int("hour"))", try $0.int("events"))
            }),
            affinity: Dictionary(uniqueKeysWithValues: try connection.query(
                "SELECT user_id, genre, rated_weight, rating_weight, implicit_weight FROM user_genre_affinity").map {
                ("\(try $0.int("user_id"))/\(try $0.string("genre"))",
                 [try $0.double("rated_weight"), try $0.double("rating_weight"), try $0.double("implicit_weight")])
            }),
            items: Dictionary(uniqueKeysWithValues: try connection.query(
                "SELECT item_id, interaction_count, rating_count, rating_sum FROM item_stats").map {
                (try $0.int("item_id"), [try $0.double("interaction_count"), try $0.double("rating_count"), try $0.double("rating_sum")])
            }))
    }
}
