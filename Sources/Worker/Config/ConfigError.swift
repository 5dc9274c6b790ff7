/// A configuration problem, naming the key and where its value came from so the operator knows what to fix.
struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// Dotted key (`nightly.keep_runs`) or, for stray variables, the environment variable's name.
    let key: String
    let message: String
    /// "recworker.yaml:12", "environment RECWORKER_NIGHTLY_KEEP_RUNS", "--database-url", … when known.
    let origin: String?

    var description: String {
        "config error: \(key): \(message)" + (origin.map { " (from \($0))" } ?? "")
    }
}
