import LinearAlgebra
import Foundation
import KafkaClient
import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// The stream worker publishes the blended models' candidates, keeps the models current with every batch,
/// maintains the richer profile aggregates, and sends each refreshed list to the output topic.
final class StreamModelsTests: XCTestCase {
    private func waitUntil(_ what: String, timeout: Duration = .seconds(120), _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("timed out waiting until \(what)") }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    private func published(_ connection: PostgresConnection, user: Int) throws -> (items: [Int], sources: Set<String>, versions: Set<String>) {
        let rows = try connection.query("SELECT item_id, source, model_version FROM current_recommendations WHERE user_id = $1 ORDER BY rank", [user])
        return (try rows.map { try $0.int("item_id") }, Set(rows.compactMap { $0["source"] }), Set(rows.compactMap { $0["model_version"] }))
    }

    func testRowsComeFromTheModelsAndFollowNewEvents() throws {
        let harness = try StreamTestHarness(topicPrefix: "models")
        defer { harness.tearDown() }
        let outputTopic = TestEnvironment.uniqueTopic("recommendations")
        let data = Self.twoCommunities()
        let connection = try harness.database.connect()
        try CatalogStore(connection: connection).upsert(items: data.items)
        try CatalogStore(connection: connection).upsert(users: data.users)
        let events = data.ratings.map {
            InteractionEvent(eventID: "r-\($0.userID)-\($0.itemID)", userID: $0.userID, itemID: $0.itemID, type: .rating,
                             value: Double($0.value), timestamp: Double($0.timestamp))
        }
        try harness.publish(events)
        let users = Set(events.map(\.userID))

        let worker = try harness.binary.start(harness.streamArguments(idleExit: nil, extra: ["--output-topic", outputTopic, "--refresh-batch", "25", "--publish", "30",
                                                                                  "--model-refit-growth", "0"]))
        defer { worker.kill() }
        try waitUntil("every user has rows and the queue is empty") {
            try harness.count("SELECT count(*) AS n FROM interactions") == events.count
                && harness.count("SELECT count(*) AS n FROM refresh_queue") == 0
                && harness.count("SELECT count(DISTINCT user_id) AS n FROM current_recommendations") == users.count
        }
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM current_recommendations WHERE source <> 'model' OR model_version NOT LIKE 'blend-%'"), 0)

        // A comedy fan suddenly rates half of the horror films, more than all their comedies: the other half of
        // the horror films is what the updated models should now bring in.
        let user = 1
        let before = try published(connection, user: user)
        let genre = "Horror"
        let horror = data.items.filter { $0.genres == [genre] }.map(\.id)
        let newItems = horror.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let last = events.filter { $0.userID == user }.map(\.timestamp).max()!
        let burst = newItems.enumerated().map { n, item in
            InteractionEvent(eventID: "burst-\(item)", userID: user, itemID: item, type: .rating, value: 5, timestamp: last + Double(n + 1) * 3_600)
        }
        try harness.publish(burst)
        try waitUntil("the user's rows are regenerated from the updated models") {
            try harness.count("SELECT count(*) AS n FROM refresh_queue") == 0 && published(connection, user: user).versions != before.versions
        }
        let after = try published(connection, user: user)
        XCTAssertEqual(after.sources, ["model"])
        // Same fitted base, more incremental batches applied: the change came from the incremental update.
        let (beforeBase, beforeUpdates) = try Self.parse(XCTUnwrap(before.versions.first))
        let (afterBase, afterUpdates) = try Self.parse(XCTUnwrap(after.versions.first))
        XCTAssertEqual(after.versions.count, 1)
        XCTAssertEqual(afterBase, beforeBase)
        XCTAssertGreaterThan(afterUpdates, beforeUpdates)
        XCTAssertNotEqual(after.items, before.items)
        XCTAssertTrue(Set(after.items).isDisjoint(with: newItems), "rated items must not be recommended")
        let genreCount = { (items: [Int]) in items.filter { id in data.items.first { $0.id == id }!.genres.contains(genre) }.count }
        XCTAssertEqual(genreCount(before.items), 0, "no comedy fan had touched a horror film")
        XCTAssertGreaterThan(genreCount(after.items), genreCount(before.items),
                             "a burst of \(genre) ratings should pull \(genre) films in: \(before.items) → \(after.items)")

        // Profile aggregates: every event counted once in the activity histogram; genre sums as defined.
        let allUserEvents = events.filter { $0.userID == user } + burst
        XCTAssertEqual(try harness.count("SELECT coalesce(sum(events), 0)::int AS n FROM user_activity WHERE user_id = 1"), allUserEvents.count)
        var expected = GenreWeights()
        for event in allUserEvents {
            expected.add(genres: data.items.first { $0.id == event.itemID }!.genres, type: event.type, value: event.value, timestamp: event.timestamp)
        }
        let profile = try XCTUnwrap(ProfileStore(connection: connection).profiles(userIDs: [user])[user])
        let stored = try XCTUnwrap(profile.genreWeights)
        XCTAssertEqual(Set(stored.sums.keys), Set(expected.sums.keys))
        for (genre, sums) in expected.sums {
            XCTAssertEqual(stored.sums[genre]!.rating / sums.rating, 1, accuracy: 1e-9, genre)
            XCTAssertEqual(stored.sums[genre]!.rated / sums.rated, 1, accuracy: 1e-9, genre)
        }
        XCTAssertEqual(profile.activity.total, allUserEvents.count)
        let summary = try XCTUnwrap(connection.query("SELECT summary FROM profile_summaries WHERE user_id = 1 AND summary_source = 'template'")[0]["summary"])
        XCTAssertTrue(summary.contains("They are most active in the"), summary)

        // The output topic: the latest message per user is exactly what is published.
        worker.terminate()
        XCTAssertEqual(worker.finish().status, 0)
        let consumer = try KafkaConsumer(brokers: harness.brokers, groupID: "test-\(outputTopic)", topics: [outputTopic], startingOffsets: { _ in [:] })
        defer { consumer.close() }
        var latest = [Int: RecommendationMessage]()
        try waitUntil("every user's latest list is on the output topic", timeout: .seconds(30)) {
            for message in try consumer.poll(maxMessages: 500, timeout: .milliseconds(300)) {
                let decoded = try RecommendationMessageCodec.decode(message.value)
                XCTAssertEqual(message.key, RecommendationMessageCodec.key(userID: decoded.userID))
                latest[decoded.userID] = decoded
            }
            return latest.count == users.count && latest[user]?.rows.first?.modelVersion == after.versions.first
        }
        for id in users.sorted() {
            XCTAssertEqual(latest[id]?.rows.map(\.itemID), try published(connection, user: id).items, "user \(id)")
        }
    }

    /// "blend-fit3600+4" → ("blend-fit3600", 4).
    static func parse(_ version: String) throws -> (base: String, updates: Int) {
        let parts = version.split(separator: "+")
        XCTAssertEqual(parts.count, 2, version)
        XCTAssertTrue(version.hasPrefix("blend-"), version)
        return (String(parts[0]), try XCTUnwrap(Int(parts.last ?? "")))
    }

    /// A catalogue split into two communities with no overlap: users 1–60 rate only comedies (items 1–100),
    /// users 61–120 only horror films (101–200), 30 each, ratings 3–5.
    static func twoCommunities() -> MovieLensDataset {
        var rng = SeededGenerator(seed: 21)
        let items = (1...200).map { Item(id: $0, title: "Film \($0)", year: 1990 + $0 % 20, genres: [$0 <= 100 ? "Comedy" : "Horror"]) }
        let users = (1...120).map { UserDemographics(id: $0, age: 20 + $0 % 40, gender: $0 % 2 == 0 ? "F" : "M", occupation: "other", zip: "00000") }
        var ratings = [Rating]()
        for user in 1...120 {
            let offset = user <= 60 ? 0 : 100
            var chosen = Set<Int>()
            while chosen.count < 30 { chosen.insert(offset + 1 + Int(rng.next() % 100)) }
            for (n, item) in chosen.sorted().enumerated() {
                ratings.append(Rating(userID: user, itemID: item, value: Float(3 + rng.next() % 3), timestamp: 1_700_000_000 + Int64(user * 100_000 + n * 3_600)))
            }
        }
        return MovieLensDataset(items: items, users: users, ratings: ratings)
    }
}
