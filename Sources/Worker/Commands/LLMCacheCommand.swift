import ArgumentParser
import PostgresClient
import Storage

/// `recworker llm-cache purge`: the LLM answer cache grows with every new prompt; expired entries are also
/// purged by each nightly run.
struct LLMCacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm-cache", abstract: "Manage the LLM answer cache.", subcommands: [Purge.self])

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete expired entries (default) or every entry.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Delete only entries past their expiry (the default).") var expired = false
        @Flag(help: "Delete every entry: the next reranks call the endpoint again.") var all = false

        func validate() throws {
            if expired && all { throw ValidationError("pass --expired or --all, not both") }
        }

        func run() throws {
            let config = try options.load()
            let store = LLMCacheStore(connection: try PostgresConnection(url: try config.database.requiredURL()))
            let deleted = all ? try store.purgeAll() : try store.purgeExpired(batchSize: config.retention.batchSize)
            print("deleted \(deleted) \(all ? "" : "expired ")LLM cache entries")
        }
    }
}
