import ArgumentParser
import Storage

/// Per-user administration: the right to be forgotten and a manual refresh.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Erase a user's data or queue a user for refresh.", subcommands: [Erase.self, Refresh.self])

    struct Erase: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete everything kept about a user (events, profile, aggregates, published rows in every run, LLM cache entries, model vectors).",
            discussion: """
                One transaction; recorded in the `erasures` table without the user id. Events of the user that arrive
                later start a new profile. See docs/security.md for what stays elsewhere (Kafka topics, backups).
                """)

        @OptionGroup var options: ConfigOptions
        @Option(help: "The user id.") var user: Int

        func run() throws {
            let outcome = try UserErasure(connection: try options.connect()).erase(userID: user)
            let tables = outcome.rowsDeleted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            print("erased user \(user): erasure \(outcome.erasureID); rows deleted: \(tables.isEmpty ? "none (nothing was kept)" : tables)")
        }
    }

    struct Refresh: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a user for the stream worker's refresher (new candidates, rerank, published rows).")

        @OptionGroup var options: ConfigOptions
        @Option(help: "The user id.") var user: Int

        func run() throws {
            try RefreshQueue(connection: try options.connect()).enqueue(userID: user)
            print("queued user \(user) for refresh; a running `recworker stream` picks it up within its next refresh round")
        }
    }
}
