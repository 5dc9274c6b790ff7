import CRdKafka

enum KafkaHandle {
    /// A metadata request answers only when some broker is reachable; its failure names the brokers to fix.
    static func checkReachable(_ handle: OpaquePointer, brokers: String, timeout: Duration) throws {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, nil, &metadata, Int32(timeout.milliseconds))
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let reason = KafkaProblems.latest(for: handle).map { ": \($0)" } ?? ""
            throw KafkaError("cannot reach Kafka brokers at \(brokers) (\(String(cString: rd_kafka_err2str(err)))\(reason)); "
                + "check kafka.brokers (KAFKA_BROKERS), that the broker is running, and that kafka.properties (security.protocol, ssl.ca.location, sasl.*) match its listener")
        }
    }
}
