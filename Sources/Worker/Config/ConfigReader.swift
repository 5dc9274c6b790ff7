import Foundation

/// Typed, validated access to `ConfigValues` that records which keys were read, so that whatever is left
/// over (a typo in the file, a misspelt `RECWORKER_` variable) is reported instead of silently ignored.
struct ConfigReader {
    private let values: ConfigValues
    private(set) var knownKeys = Set<String>()

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

    func origin(of key: String) -> String? { values.value(for: key)?.origin }

    /// Fails on the first file key or `RECWORKER_` variable that no setting read.
    func rejectUnknownKeys() throws {
        for key in values.file.keys.sorted() where !knownKeys.contains(key) {
            throw ConfigError(key: key, message: "is not a recworker setting\(suggestion(for: key))", origin: values.file[key]?.origin)
        }
        // Only variables that name a settings section are checked: `RECWORKER_NIGHTLY_KEEP_RUN` is a typo, while
        // `RECWORKER_DEV_DIR` belongs to the dev tooling.
        let knownVariables = Set(knownKeys.map(ConfigValues.environmentName(for:)))
        let sectionPrefixes = Set(knownKeys.compactMap { $0.split(separator: ".").first }.map { ConfigValues.prefix + $0.uppercased() + "_" })
        for name in values.environment.keys.sorted()
        where sectionPrefixes.contains(where: name.hasPrefix) && !knownVariables.contains(name) {
            throw ConfigError(key: name, message: "is not a recworker setting; unset it or fix its name", origin: "environment")
        }
    }

    private func suggestion(for key: String) -> String {
        let section = key.split(separator: ".").first.map(String.init) ?? ""
        let siblings = knownKeys.filter { $0.hasPrefix(section + ".") }.sorted()
        return siblings.isEmpty ? "" : "; settings in \(section) are: " + siblings.map { $0.dropFirst(section.count + 1) }.joined(separator: ", ")
    }
}
