import KafkaClient
import XCTest

/// A message librdkafka gives up on is reported by the next `flush`, once: the failure is recorded on librdkafka's
/// thread and taken by the caller's.
final class KafkaDeliveryFailureTests: XCTestCase {
    func testFlushReportsAFailedDeliveryOnce() throws {
        // Nothing listens on port 1, so the message times out in the producer's queue.
        let producer = try KafkaProducer(brokers: "127.0.0.1:1", properties: ["message.timeout.ms": "300"])
        try producer.send(topic: "delivery-failure", key: nil, value: Array("{}".utf8))

        XCTAssertThrowsError(try producer.flush(timeout: .seconds(20))) { error in
            XCTAssertTrue("\(error)".contains("delivery failed"), "\(error)")
        }
        XCTAssertNoThrow(try producer.flush(timeout: .seconds(5)))
    }
}
