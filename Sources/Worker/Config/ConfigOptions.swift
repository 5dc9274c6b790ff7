import ArgumentParser
import Foundation
import PostgresClient

/// `--config FILE` (default `$RECWORKER_CONFIG`) and `--database-url`, shared by every verb: each one reads the same
/// `RecWorkerConfig` (file, then environment, then its explicit flags as dotted-key overrides), validated once.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "YAML config file (default: $RECWORKER_CONFIG; none: defaults plus environment).")
    var file: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL or key=value string; overrides database.url and DATABASE_URL.")
    var databaseURL: String?

    @Option(name: .customLong("setting"), help: ArgumentHelp("Override any setting: --setting nightly.keep_runs=3 (repeatable; wins over the file and the environment).", valueName: "key=value"))
    var settings: [String] = []

    @Flag(name: .customLong("print-config"), help: "Print the resolved settings (secrets redacted) and exit without doing anything.")
    var printConfig = false

    var resolvedFile: String? {
        file ?? ProcessInfo.processInfo.environment["RECWORKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The verb's flags (`overrides`) win over `--setting`, which wins over the environment and the file.
    func load(overrides: [String: String] = [:], publishing: Bool = true) throws -> RecWorkerConfig {
        var all = [String: String]()
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw ValidationError("--setting takes key=value, e.g. --setting nightly.keep_runs=3; got \"\(setting)\"")
            }
            all[String(setting[..<equals]).trimmingCharacters(in: .whitespaces)] = String(setting[setting.index(after: equals)...])
        }
        all.merge(overrides) { _, flag in flag }
        if let databaseURL { all["database.url"] = databaseURL }
        let config = try RecWorkerConfig.load(file: resolvedFile, overrides: all, publishing: publishing)
        if printConfig {
            config.summary.forEach { print($0) }
            throw ExitCode.success
        }
        return config
    }

    /// A connection to the configured database (for verbs that need nothing else).
    func connect() throws -> PostgresConnection {
        try PostgresConnection(url: try load().database.requiredURL())
    }
}
