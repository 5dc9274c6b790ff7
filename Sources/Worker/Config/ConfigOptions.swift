import ArgumentParser
import Foundation

/// `--config FILE` (default `$RECWORKER_CONFIG`) and `--database-url`, shared by every command that needs settings.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "YAML config file (default: $RECWORKER_CONFIG; none: defaults plus environment).")
    var file: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL; overrides database.url and DATABASE_URL.")
    var databaseURL: String?

    var resolvedFile: String? {
        file ?? ProcessInfo.processInfo.environment["RECWORKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func load(overrides: [String: String] = [:]) throws -> RecWorkerConfig {
        var all = overrides
        if let databaseURL { all["database.url"] = databaseURL }
        return try RecWorkerConfig.load(file: resolvedFile, overrides: all)
    }
}
