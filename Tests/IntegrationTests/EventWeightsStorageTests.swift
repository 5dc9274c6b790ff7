import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// The stream (`InteractionFeed`) and the nightly job (`PublicationSnapshot.modelInputs`) turn the same stored
/// events into the same model inputs, whatever order each reads them in.
final class EventWeightsStorageTests: XCTestCase {
    func testStreamAndNightlyWeighTheSameEventsAlike() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let events: [(user: Int, item: Int, type: String, value: Double, minutes: Int)] = [
            (1, 10, "rating", 5, 0), (1, 10, "watch", 0.1, 10),        // a watch after a 5-star rating
            (1, 11, "view", 1, 20), (1, 11, "watch", 0.75, 30),         // a view, then most of the film
            (2, 10, "purchase", 3.4e38, 0), (2, 12, "click", 1, 5),     // a poisoned price
            (2, 13, "watch", 0, 6),                                     // nothing watched: no signal
        ]
        for (index, event) in events.enumerated() {
            try connection.execute("""
                INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at)
                VALUES ($1, $2, $3, $4, $5, timestamptz '2026-01-01' + make_interval(mins => $6))
                """, [event.user, "e\(index)", event.item, event.type, event.value, event.minutes])
        }
        var weights = EventWeights.default
        weights.click = 2
        let streamed = try InteractionFeed(connection: connection, weights: weights).readAll().ratings
        let run = try RunStore(connection: connection).beginNightly(seed: 1)
        let snapshot = try PublicationSnapshot.read(connection, run: run, previous: nil)
        let nightly = snapshot.modelInputs(weights: weights)

        func values(_ ratings: [Rating]) -> [String: Float] {
            let data = InteractionData(ratings: ratings)
            var values = [String: Float]()
            for user in 0..<data.userCount {
                for (item, value) in zip(data.userItems[user], data.userValues[user]) {
                    values["\(data.users.id(at: user))-\(data.items.id(at: Int(item)))"] = value
                }
            }
            return values
        }
        let expected: [String: Float] = ["1-10": 5, "1-11": 3, "2-10": 5, "2-12": 2]
        XCTAssertEqual(values(streamed), expected)
        XCTAssertEqual(values(nightly), expected)
    }
}
