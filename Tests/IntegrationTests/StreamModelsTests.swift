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
        let data = SyntheticMovieLens(users: 40, items: 200, ratingsPerUser: 25, seed: 5).generate()
        let connection = try harness.database.connect()
        try CatalogStore(connection: connection).upsert(items: data.items)
        try CatalogStore(connection: connection).upsert(users: data.users)
        let events = data.ratings.map {
            InteractionEvent(eventID: "r-\($0.userID)-\($0.itemID)", userID: $0.userID, itemID: $0.itemID, type: .rating,
                             value: Double($0.value), timestamp: Double($0.timestamp))
        }
        try harness.publish(events)
        let users = Set(events.map(\.userID))

        let worker = try harness.binary.start(harness.streamArguments(idleExit: nil, extra: ["--output-topic", outputTopic, "--refresh-batch", "10"]))
        defer { worker.kill() }
        try waitUntil("every user has rows and the queue is empty") {
            try harness.count("SELECT count(*) AS n FROM interactions") == events.count
                && harness.count("SELECT count(*) AS n FROM refresh_queue") == 0
                && harness.count("SELECT count(DISTINCT user_id) AS n FROM current_recommendations") == users.count
        }
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM current_recommendations WHERE source <> 'model' OR model_version NOT LIKE 'blend-%'"), 0)

        // One user suddenly rates fifteen films of the genre least present in their list.
        let user = 1
        let before = try published(connection, user: user)
        let seen = Set(events.filter { $0.userID == user }.map(\.itemID))
        let listed = Set(before.items)
        let byGenre = Dictionary(grouping: data.items.filter { !seen.contains($0.id) }.flatMap { item in item.genres.map { ($0, item) } }, by: \.0)
        let genre = try XCTUnwrap(byGenre.filter { $0.value.count >= 15 }.keys.sorted().min { a, b in
            let share = { (g: String) in data.items.filter { listed.contains($0.id) && $0.genres.contains(g) }.count }
            return share(a) != share(b) ? share(a) < share(b) : a < b
        })
        let newItems = byGenre[genre]!.map(\.1.id).sorted().prefix(15)
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
        XCTAssertTrue(after.versions.allSatisfy { $0.hasPrefix("blend-") }, "\(after.versions)")
        XCTAssertNotEqual(after.items, before.items)
        XCTAssertTrue(Set(after.items).isDisjoint(with: newItems), "rated items must not be recommended")
        let genreCount = { (items: [Int]) in items.filter { id in data.items.first { $0.id == id }!.genres.contains(genre) }.count }
        XCTAssertGreaterThan(genreCount(after.items), genreCount(before.items), "a burst of \(genre) ratings should pull \(genre) films in")

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
        let summary = try XCTUnwrap(connection.query("SELECT summary FROM user_profiles WHERE user_id = 1")[0]["summary"])
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
}
