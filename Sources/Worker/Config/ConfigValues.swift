import Foundation
import Yams

/// The raw settings of one start: the YAML file flattened to dotted keys, the environment, and command-line
/// overrides, each value remembering where it came from.
///
/// Precedence, highest first: command line, the conventional variables (`DATABASE_URL`, `KAFKA_BROKERS`,
/// `LLM_*`), `RECWORKER_<SECTION>_<KEY>` variables, the file, built-in defaults.
struct ConfigValues: Sendable {
    struct Value: Sendable {
        var text: String
        var origin: String
    }

    /// Conventional variable names that other tools (psql wrappers, Kafka tooling, LLM SDKs) already use.
    static let conventionalVariables: [String: String] = [
        "database.url": "DATABASE_URL",
        "kafka.brokers": "KAFKA_BROKERS",
        "llm.base_url": "LLM_BASE_URL",
        "llm.model": "LLM_MODEL",
        "llm.api_key": "LLM_API_KEY",
        "llm.api_key_file": "LLM_API_KEY_FILE",
        "llm.pseudonym_key": "LLM_PSEUDONYM_KEY",
    ]
    static let prefix = "RECWORKER_"

    var file: [String: Value] = [:]
    var environment: [String: String] = [:]
    var overrides: [String: Value] = [:]

    static func environmentName(for key: String) -> String {
        prefix + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// The winning value for `key`, or nil when nothing sets it.
    func value(for key: String) -> Value? {
        if let value = overrides[key] { return value }
        if let name = Self.conventionalVariables[key], let text = environment[name], !text.isEmpty {
            return Value(text: text, origin: "environment \(name)")
        }
        let name = Self.environmentName(for: key)
        if let text = environment[name], !text.isEmpty { return Value(text: text, origin: "environment \(name)") }
        return file[key]
    }

    /// Flattens a YAML document: nested mappings become dotted keys, lists of scalars comma-joined text.
    static func flatten(yaml: String, fileName: String) throws -> [String: Value] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(key: fileName, message: "is not valid YAML: \(error)", origin: nil)
        }
        guard let root else { return [:] }
        guard case .mapping(let mapping) = root else {
            throw ConfigError(key: fileName, message: "must be a mapping of sections (database:, kafka:, …)", origin: nil)
        }
        var values = [String: Value]()
        try flatten(mapping, path: "", fileName: fileName, into: &values)
        return values
    }

    private static func flatten(_ mapping: Node.Mapping, path: String, fileName: String, into values: inout [String: Value]) throws {
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.string else {
                throw ConfigError(key: path.isEmpty ? "(top level)" : path, message: "keys must be plain strings",
                                  origin: origin(fileName, keyNode.mark))
            }
            let key = path.isEmpty ? name : "\(path).\(name)"
            switch valueNode {
            case .mapping(let nested):
                try flatten(nested, path: key, fileName: fileName, into: &values)
            case .scalar(let scalar):
                // `key:` or `key: ~` leaves the setting at its default.
                if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { continue }
                values[key] = Value(text: scalar.string, origin: origin(fileName, valueNode.mark))
            case .sequence(let sequence):
                let items = try sequence.map { element -> String in
                    guard case .scalar(let scalar) = element else {
                        throw ConfigError(key: key, message: "list entries must be plain values", origin: origin(fileName, element.mark))
                    }
                    return scalar.string
                }
                values[key] = Value(text: items.joined(separator: ","), origin: origin(fileName, valueNode.mark))
            case .alias:
                throw ConfigError(key: key, message: "YAML aliases are not supported in recworker config", origin: origin(fileName, valueNode.mark))
            }
        }
    }

    private static func origin(_ fileName: String, _ mark: Mark?) -> String {
        mark.map { "\(fileName):\($0.line)" } ?? fileName
    }
}
