import CRdKafka

enum KafkaHandle {
    /// A metadata request answers only when some broker is reachable; its failure names the brokers to fix.
    static func checkReachable(_ handle: OpaquePointer, brokers: String, timeout: Duration) throws {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, nil, &metadata, Int32(timeout.milliseconds))
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let problem = KafkaProblems.latest(for: handle)
            // A listener that hangs up on the first request is almost always TLS or SASL met by a plaintext client.
            let hint = problem?.contains("state APIVERSION_QUERY") == true
                ? "; the broker hung up on the first request, which is what a TLS or SASL listener does to a plaintext client: set kafka.properties security.protocol (RECWORKER_KAFKA_SECURITY_PROTOCOL)"
                : "; check kafka.brokers (KAFKA_BROKERS), that the broker is running, and that kafka.properties (security.protocol, ssl.ca.location, sasl.*) match its listener"
            throw KafkaError("cannot reach Kafka brokers at \(brokers) (\(String(cString: rd_kafka_err2str(err)))\(problem.map { ": \($0)" } ?? ""))\(hint)")
        }
    }

    /// How many partitions `topic` has, from the brokers' metadata.
    static func partitionCount(_ handle: OpaquePointer, topic: String, timeout: Duration) throws -> Int {
        guard let rkt = rd_kafka_topic_new(handle, topic, nil) else { throw KafkaError("cannot open topic \(topic)") }
        defer { rd_kafka_topic_destroy(rkt) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, rkt, &metadata, Int32(timeout.milliseconds))
        defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata, metadata.pointee.topic_cnt == 1 else {
            throw KafkaError("cannot read the metadata of topic \(topic): \(String(cString: rd_kafka_err2str(err)))")
        }
        let described = metadata.pointee.topics[0]
        guard described.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError("topic \(topic) has no usable metadata: \(String(cString: rd_kafka_err2str(described.err)))")
        }
        return Int(described.partition_cnt)
    }
}
