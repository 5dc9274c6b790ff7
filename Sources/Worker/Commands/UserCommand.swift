import ArgumentParser
import Foundation
import KafkaClient
import Pipeline
import PostgresClient
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
                later start a new profile. With kafka.output.enabled an empty list is sent for the user, so consumers
                that cache by key drop theirs. See docs/security.md for what stays elsewhere (Kafka topics, backups).
                """)

        @OptionGroup var options: ConfigOptions
        @Option(help: "The user id.") var user: Int

        func run() throws {
            let config = try options.load()
            let connection = try PostgresConnection(url: try config.database.requiredURL())
            let outcome = try UserErasure(connection: connection).erase(userID: user)
            let tables = outcome.rowsDeleted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            print("erased user \(user): erasure \(outcome.erasureID); rows deleted: \(tables.isEmpty ? "none (nothing was kept)" : tables)")
            if config.kafka.output.enabled {
                let producer = try KafkaProducer(brokers: try config.kafka.requiredBrokers(), properties: config.kafka.properties)
                let message = RecommendationMessage(userID: user, runID: try RunStore(connection: connection).currentRunID() ?? 0, generatedAt: Date(), rows: [])
                try producer.send(topic: config.kafka.output.topic, key: RecommendationMessageCodec.key(userID: user),
                                  value: RecommendationMessageCodec.encode(message))
                try producer.flush()
                print("sent an empty list for user \(user) to \(config.kafka.output.topic)")
            }
        }
    }

    struct Refresh: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a user for the stream worker's refresher (new candidates, rerank, published rows).")

        @OptionGroup var options: ConfigOptions
        @Option(help: "The user id.") var user: Int

        func run() throws {
            try RefreshQueue.enqueue(userID: user, on: try options.connect())
            print("queued user \(user) for refresh; a running `recworker stream` picks it up within its next refresh round")
        }
    }
}
