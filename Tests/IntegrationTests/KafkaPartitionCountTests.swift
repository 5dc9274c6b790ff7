import KafkaClient
import TestSupport
import XCTest

/// `bench stream` starts a fixed-rate run once its ingest loops hold every partition of the topic, which it learns
/// from the producer's metadata.
final class KafkaPartitionCountTests: XCTestCase {
    func testPartitionCountIsWhatALoneGroupMemberIsAssigned() throws {
        let brokers = try TestEnvironment.require("KAFKA_BROKERS")
        let topic = TestEnvironment.uniqueTopic("partitions")
        let producer = try KafkaProducer(brokers: brokers)
        try producer.send(topic: topic, key: Array("user-1".utf8), value: Array("{}".utf8))
        try producer.flush()

        let count = try producer.partitionCount(of: topic)

        let consumer = try KafkaConsumer(brokers: brokers, groupID: "partitions-\(topic)", topics: [topic], startingOffsets: { _ in [:] })
        defer { consumer.close() }
        let deadline = ContinuousClock.now + .seconds(30)
        while consumer.assignment.isEmpty, ContinuousClock.now < deadline {
            _ = try consumer.poll(maxMessages: 10, timeout: .milliseconds(100))
        }
        XCTAssertGreaterThan(count, 0)
        XCTAssertEqual(Set(consumer.assignment.map(\.partition)).count, count)
    }
}
