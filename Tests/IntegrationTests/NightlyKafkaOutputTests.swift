import Foundation
import KafkaClient
import Pipeline
import TestSupport
import XCTest

/// After a run flips, the `recommendations` topic carries one message per user with the published rows.
final class NightlyKafkaOutputTests: XCTestCase {
    func testRecommendationsTopicCarriesOneMessagePerUser() throws {
        let brokers = try TestEnvironment.require("KAFKA_BROKERS")
        let database = try TestDatabase()
        defer { database.drop() }
        try NightlyFixtures.load(into: database.connect(), users: 40, items: 120, ratingsPerUser: 3...20)
        let topic = TestEnvironment.uniqueTopic("recommendations")

        let result = try RecworkerBinary.locate().run(
            ["nightly", "--database-url", database.url, "--progress", "none"],
            environment: ["RECWORKER_KAFKA_OUTPUT_ENABLED": "true", "RECWORKER_KAFKA_OUTPUT_TOPIC": topic, "KAFKA_BROKERS": brokers])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("announced: 40 messages"), result.stdout)

        let consumer = try KafkaConsumer(brokers: brokers, groupID: "test-\(topic)", topics: [topic], startingOffsets: { _ in [:] })
        defer { consumer.close() }
        var messages = [KafkaMessage]()
        let deadline = Date().addingTimeInterval(30)
        while messages.count < 40, Date() < deadline {
            messages += try consumer.poll(maxMessages: 100, timeout: .milliseconds(500))
        }
        XCTAssertEqual(messages.count, 40)
        let decoded = try messages.map { try RecommendationMessageCodec.decode($0.value) }
        XCTAssertEqual(Set(decoded.map(\.userID)), Set(1...40))
        for (message, raw) in zip(decoded, messages) {
            XCTAssertEqual(raw.key, RecommendationMessageCodec.key(userID: message.userID))
        }

        let connection = try database.connect()
        let runID = try XCTUnwrap(try connection.query("SELECT current_run_id FROM publication_state").first, "nothing was published").int("current_run_id")
        XCTAssertEqual(try connection.query("SELECT announced_at IS NOT NULL AS done FROM recommendation_runs WHERE run_id = $1", [runID]).first?.bool("done"), true)
        let user = try XCTUnwrap(decoded.first { $0.userID == 7 })
        XCTAssertEqual(user.runID, runID)
        let published = try connection.query("SELECT rank, item_id, source FROM current_recommendations WHERE user_id = 7 ORDER BY rank")
        XCTAssertEqual(user.rows.map(\.itemID), try published.map { try $0.int("item_id") })
        XCTAssertEqual(user.rows.map(\.rank), Array(1...published.count))
        XCTAssertEqual(user.rows.map(\.source.rawValue), published.map { $0["source"] ?? "" })
    }
}
