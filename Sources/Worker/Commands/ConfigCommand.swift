import ArgumentParser

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect recworker's configuration.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the config file and environment; print the effective settings (secrets redacted).")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            // A ConfigError propagates as "Error: config error: <key>: …" with exit status 1.
            let config = try options.load()
            _ = try config.database.requiredURL()
            print("config OK" + (options.resolvedFile.map { " (\($0) + environment)" } ?? " (defaults + environment)"))
            config.summary.forEach { print("  \($0)") }
        }
    }
}
