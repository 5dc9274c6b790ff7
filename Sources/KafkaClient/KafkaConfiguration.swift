import CRdKafka

/// librdkafka configuration properties (`bootstrap.servers`, `group.id`, …) applied to a new handle.
struct KafkaConfiguration {
    let properties: [String: String]

    func makeHandleConfig() throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError("cannot allocate a librdkafka configuration") }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let status = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            guard status == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw KafkaError("bad librdkafka property \(key)=\(value): \(cStringBuffer(errorText))")
            }
        }
        return conf
    }
}

/// The version of librdkafka loaded at run time (which may differ from the headers built against).
public var librdkafkaVersion: String { String(cString: rd_kafka_version_str()) }

/// Text librdkafka wrote into a fixed-size error buffer.
func cStringBuffer(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
