import Foundation
import KafkaClient
import Pipeline
import TestSupport
import XCTest

/// Kafka over real TLS: stunnel (Debian stunnel4) terminates TLS in front of a tansu broker of the test's own,
/// with a CA and a server certificate made by openssl here.
final class KafkaTLSTests: XCTestCase {
    var certificates: TestCertificates!
    var broker: TLSKafkaBroker!
    var database: TestDatabase!

    override func setUpWithError() throws {
        certificates = try TestCertificates(in: URL(fileURLWithPath: "/tmp/recworker-tls-\(UInt32.random(in: 0...UInt32.max))"))
        broker = try TLSKafkaBroker(certificates: certificates)
        database = try TestDatabase()
    }

    override func tearDown() {
        broker?.stop()
        database?.drop()
        if let folder = certificates?.folder { try? FileManager.default.removeItem(at: folder) }
    }

    private func stream(topic: String, environment: [String: String]) throws -> RecworkerBinary.Output {
        try RecworkerBinary.locate().run(
            ["stream", "--database-url", database.url, "--brokers", broker.brokers, "--topic", topic, "--group", "tls-\(topic)",
             "--metrics-port=-1", "--log-level", "error", "--exit-when-idle", "3", "--models", "off"],
            environment: ["KAFKA_BROKERS": ""].merging(environment) { _, new in new }, timeout: .seconds(90))
    }

    func testTheWorkerStreamsOverTLSWithTheCA() throws {
        let topic = TestEnvironment.uniqueTopic("tls")
        let producer = try KafkaProducer(brokers: broker.brokers, properties: ["security.protocol": "ssl", "ssl.ca.location": certificates.caFile])
        for event in TestEvents.ratings(count: 120, idPrefix: "tls") {
            try producer.send(topic: topic, key: Array(String(event.userID).utf8), value: EventCodec.encode(event))
        }
        try producer.flush()

        let run = try stream(topic: topic, environment: [
            "RECWORKER_KAFKA_SECURITY_PROTOCOL": "ssl", "RECWORKER_KAFKA_SSL_CA_LOCATION": certificates.caFile,
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try database.connect().query("SELECT count(*) AS n FROM interactions")[0].int("n"), 120)
    }

    func testAWrongCAIsRefusedWithOneClearLine() throws {
        let run = try stream(topic: TestEnvironment.uniqueTopic("tls-wrong-ca"), environment: [
            "RECWORKER_KAFKA_SECURITY_PROTOCOL": "ssl", "RECWORKER_KAFKA_SSL_CA_LOCATION": certificates.wrongCAFile,
        ])
        XCTAssertNotEqual(run.status, 0)
        let lines = run.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        XCTAssertEqual(lines.count, 1, "expected one line, got:\n\(run.stderr)")
        XCTAssertTrue(run.stderr.contains("certificate verify failed"), run.stderr)
        XCTAssertTrue(run.stderr.contains("ssl.ca.location"), run.stderr)
    }

    func testAPlaintextClientOnTheTLSPortFailsClearly() throws {
        let run = try stream(topic: TestEnvironment.uniqueTopic("tls-plain"), environment: [:])
        XCTAssertNotEqual(run.status, 0)
        let lines = run.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        XCTAssertEqual(lines.count, 1, "expected one line, got:\n\(run.stderr)")
        XCTAssertTrue(run.stderr.contains("cannot reach Kafka brokers at \(broker.brokers)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("hung up on the first request"), run.stderr)
        XCTAssertTrue(run.stderr.contains("security.protocol"), run.stderr)
    }
}
