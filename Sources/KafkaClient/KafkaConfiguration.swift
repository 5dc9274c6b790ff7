import CRdKafka
import Synchronization

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
        // librdkafka logs every failed connection attempt to stderr, over and over (a wrong CA, a plaintext client
        // on a TLS port). Keep the latest problem per handle instead, and say it once in the error that stops us.
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, line in
            // Connection failures are logged as FAIL at level 6 (info) when the peer just hangs up.
            guard let rk, let line, level <= 4 || facility.map({ String(cString: $0) == "FAIL" }) == true else { return }
            KafkaProblems.record(String(cString: line), handle: String(cString: rd_kafka_name(rk)))
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, _ in
            // "1/1 brokers are down" follows the specific failure; keep the failure.
            guard let rk, let reason, err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue else { return }
            KafkaProblems.record(String(cString: reason), handle: String(cString: rd_kafka_name(rk)))
        }
        return conf
    }
}

/// The latest connection-level problem librdkafka reported per client handle (`rdkafka#consumer-1`, …).
enum KafkaProblems {
    private static let latest = Mutex<[String: String]>([:])

    static func record(_ problem: String, handle: String) {
        latest.withLock { $0[handle] = problem }
    }

    static func latest(for handle: OpaquePointer) -> String? {
        let name = String(cString: rd_kafka_name(handle))
        return latest.withLock { $0[name] }
    }
}

/// The version of librdkafka loaded at run time (which may differ from the headers built against).
public var librdkafkaVersion: String { String(cString: rd_kafka_version_str()) }

/// Text librdkafka wrote into a fixed-size error buffer.
func cStringBuffer(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Checks properties against the librdkafka actually loaded, so a misspelt or invalid property is reported when
/// the configuration is read rather than when the first client starts.
public enum KafkaPropertyCheck {
    /// The first property librdkafka refuses and its reason, or nil when it accepts them all.
    public static func firstProblem(in properties: [String: String]) -> (property: String, reason: String)? {
        guard let conf = rd_kafka_conf_new() else { return nil }
        defer { rd_kafka_conf_destroy(conf) }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key })
        where rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
            return (key, cStringBuffer(errorText))
        }
        return nil
    }
}
