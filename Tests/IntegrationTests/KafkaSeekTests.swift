import KafkaClient
import TestSupport
import XCTest

/// librdkafka reports seek failures per partition while the call as a whole succeeds; a partition whose seek
/// failed keeps its old position, so the rewind after a fenced batch must fail instead of skipping offsets.
final class KafkaSeekTests: XCTestCase {
    func testSeekOfAPartitionThatCannotBeSeekedFails() throws {
        let brokers = try TestEnvironment.require("KAFKA_BROKERS")
        let topic = TestEnvironment.uniqueTopic("seek")
        let consumer = try KafkaConsumer(brokers: brokers, groupID: "seek-\(topic)", topics: [topic], startingOffsets: { _ in [:] })
        defer { consumer.close() }
        // Not assigned to this member (nothing has been polled): librdkafka fails this partition alone.
        XCTAssertThrowsError(try consumer.seek([TopicPartition(topic: topic, partition: 0): 5])) { error in
            XCTAssertTrue("\(error)".contains("\(topic)"), "the error names the partition: \(error)")
        }
    }
}
