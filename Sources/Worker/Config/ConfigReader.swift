import Foundation
import KafkaClient

/// Typed, validated access to `ConfigValues` that records which keys were read, so that whatever is left
/// over (a typo in the file, a misspelt `RECWORKER_` variable) is reported instead of silently ignored.
struct ConfigReader {
    private let values: ConfigValues
    private(set) var knownKeys = Set<String>()
    /// Environment variables read by name rather than through a known key (the Kafka property variables).
    private var consumedVariables = Set<String>()

    init(values: ConfigValues) { self.values = values }

    mutating func string(_ key: String, default defaultValue: String) -> String {
        optionalString(key) ?? defaultValue
    }

    mutating func optionalString(_ key: String) -> String? {
        knownKeys.insert(key)
        return values.value(for: key)?.text.trimmingCharacters(in: .whitespaces)
    }

    mutating func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        knownKeys.insert(key)
        guard let value = values.value(for: key) else { return defaultValue }
        guard let number = Int(value.text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")),
              range.contains(number) else {
            throw ConfigError(key: key, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(value.text)\"",
                              origin: value.origin)
        }
        return number
    }

    mutating func double(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws -> Double {
        knownKeys.insert(key)
        guard let value = values.value(for: key) else { return defaultValue }
        guard let number = Double(value.text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw ConfigError(key: key, message: "must be a number from \(range.lowerBound) to \(range.upperBound), got \"\(value.text)\"",
                              origin: value.origin)
        }
        return number
    }

    mutating func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        knownKeys.insert(key)
        guard let value = values.value(for: key) else { return defaultValue }
        switch value.text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default:
            throw ConfigError(key: key, message: "must be true or false, got \"\(value.text)\"", origin: value.origin)
        }
    }

    /// A URL with one of `schemes` and a host.
    mutating func url(_ key: String, schemes: Set<String>) throws -> String? {
        guard let text = optionalString(key) else { return nil }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              schemes.contains(scheme), components.host?.isEmpty == false || scheme.hasPrefix("postgres") else {
            throw ConfigError(key: key, message: "must be a URL starting with \(schemes.sorted().map { "\($0)://" }.joined(separator: " or "))",
                              origin: origin(of: key))
        }
        return text
    }

    /// A whole number where 0 or absence means "no limit" (nil).
    mutating func optionalInt(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        let number = try int(key, default: 0, in: range)
        return number == 0 ? nil : number
    }

    /// A number where 0 means "never" (nil).
    mutating func optionalDouble(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws -> Double? {
        let number = try double(key, default: defaultValue, in: range)
        return number == 0 ? nil : number
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: T) throws -> T where T.RawValue == String {
        guard let text = optionalString(key) else { return defaultValue }
        guard let value = T(rawValue: text) else {
            throw ConfigError(key: key, message: "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"",
                              origin: origin(of: key))
        }
        return value
    }

    /// A secret that may come from the environment only: a file or a command line would leak it (to backups, `ps`).
    mutating func secret(_ key: String, instead: String) throws -> String? {
        guard let value = optionalString(key) else { return nil }
        if let origin = origin(of: key), !origin.hasPrefix("environment") {
            throw ConfigError(key: key, message: "must not be written in a file or on the command line; \(instead)", origin: origin)
        }
        return value
    }

    /// The trimmed content of a secret file named by `key`.
    func secretFile(_ path: String, key: String, origin: String? = nil) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: key, message: "cannot read \(path)", origin: origin ?? self.origin(of: key))
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw ConfigError(key: key, message: "\(path) is empty", origin: origin ?? self.origin(of: key)) }
        return secret
    }

    /// A PostgreSQL URL (`postgresql://…`) or libpq key=value string (`host=… dbname=…`); nil when unset.
    mutating func databaseURL(_ key: String) throws -> String? {
        guard let text = optionalString(key), !text.isEmpty else { return nil }
        if text.contains("://") { return try url(key, schemes: ["postgres", "postgresql"]) }
        guard text.contains("=") else {
            throw ConfigError(key: key, message: "must be a postgresql:// URL or a libpq key=value string (host=… dbname=…)", origin: origin(of: key))
        }
        return text
    }

    /// librdkafka properties: `kafka.properties.<name>` keys (file or overrides) and `RECWORKER_KAFKA_<NAME>`
    /// variables that name no other kafka setting (`RECWORKER_KAFKA_SECURITY_PROTOCOL` → `security.protocol`).
    /// `<name>_file` reads the value from a file; secret names (passwords, secrets) are refused from the file
    /// and the command line.
    mutating func kafkaProperties() throws -> [String: String] {
        let prefix = "kafka.properties."
        var raw = [String: ConfigValues.Value]()
        for (key, value) in values.file where key.hasPrefix(prefix) {
            knownKeys.insert(key)
            raw[String(key.dropFirst(prefix.count))] = value
        }
        let kafkaVariables = Set(knownKeys.filter { $0.hasPrefix("kafka.") }.map(ConfigValues.environmentName(for:)))
        let variablePrefix = ConfigValues.prefix + "KAFKA_"
        for (name, text) in values.environment where name.hasPrefix(variablePrefix) && !kafkaVariables.contains(name) {
            consumedVariables.insert(name)
            guard !text.isEmpty else { continue }
            var property = name.dropFirst(variablePrefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
            if property.hasSuffix(".file") { property = String(property.dropLast(5)) + "_file" }
            raw[property] = .init(text: text, origin: "environment \(name)")
        }
        for (key, value) in values.overrides where key.hasPrefix(prefix) {
            knownKeys.insert(key)
            raw[String(key.dropFirst(prefix.count))] = value
        }
        var properties = [String: String]()
        for (name, value) in raw.sorted(by: { $0.key < $1.key }) {
            let key = prefix + name
            if name.hasSuffix("_file") {
                let property = String(name.dropLast(5))
                guard raw[property] == nil else {
                    throw ConfigError(key: key, message: "set either \(property) or \(name), not both", origin: value.origin)
                }
                properties[property] = try secretFile(value.text, key: key, origin: value.origin)
            } else {
                if KafkaSecrets.isSecret(name), !value.origin.hasPrefix("environment") {
                    throw ConfigError(key: key, message: "is a secret and must not be written in a file or on the command line; set \(name)_file to a file holding it, or \(ConfigValues.prefix)KAFKA_\(name.uppercased().replacingOccurrences(of: ".", with: "_"))",
                                      origin: value.origin)
                }
                properties[name] = value.text
            }
        }
        if let problem = KafkaPropertyCheck.firstProblem(in: properties) {
            let origin = raw[problem.property]?.origin ?? raw[problem.property + "_file"]?.origin
            // librdkafka's reason may quote the value; a secret's value is not repeated.
            let reason = KafkaSecrets.isSecret(problem.property) ? "librdkafka refuses the value" : "librdkafka refuses it: \(problem.reason)"
            throw ConfigError(key: prefix + problem.property, message: reason, origin: origin)
        }
        return properties
    }

    func origin(of key: String) -> String? { values.value(for: key)?.origin }

    /// Fails on the first file key or `RECWORKER_` variable that no setting read.
    func rejectUnknownKeys() throws {
        for key in values.file.keys.sorted() where !knownKeys.contains(key) {
            throw ConfigError(key: key, message: "is not a recworker setting\(suggestion(for: key))", origin: values.file[key]?.origin)
        }
        for key in values.overrides.keys.sorted() where !knownKeys.contains(key) {
            throw ConfigError(key: key, message: "is not a recworker setting\(suggestion(for: key))", origin: "command line")
        }
        // Only variables that name a settings section are checked: `RECWORKER_NIGHTLY_KEEP_RUN` is a typo, while
        // `RECWORKER_DEV_DIR` belongs to the dev tooling.
        let knownVariables = Set(knownKeys.map(ConfigValues.environmentName(for:)))
        let sectionPrefixes = Set(knownKeys.compactMap { $0.split(separator: ".").first }.map { ConfigValues.prefix + $0.uppercased() + "_" })
        for name in values.environment.keys.sorted()
        where sectionPrefixes.contains(where: name.hasPrefix) && !knownVariables.contains(name) && !consumedVariables.contains(name) {
            throw ConfigError(key: name, message: "is not a recworker setting; unset it or fix its name", origin: "environment")
        }
    }

    private func suggestion(for key: String) -> String {
        let section = key.split(separator: ".").first.map(String.init) ?? ""
        let siblings = knownKeys.filter { $0.hasPrefix(section + ".") }.sorted()
        return siblings.isEmpty ? "" : "; settings in \(section) are: " + siblings.map { $0.dropFirst(section.count + 1) }.joined(separator: ", ")
    }
}
