import ArgumentParser
import Foundation
import Pipeline
import PostgresClient
import Storage

/// `recworker dead-letters list|show|replay`: what the stream refused and why, and a way back in once the cause
/// is fixed (a catalogue loaded, a producer repaired, the timestamp window widened).
struct DeadLettersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List, show and replay refused messages (the dead_letters table).",
        subcommands: [List.self, Show.self, Replay.self])

    struct Filters: ParsableArguments {
        @Option(name: .customLong("id"), help: "Only this dead letter (repeatable).") var ids: [Int] = []
        @Option(help: "Only reasons containing this text, e.g. \"field 'ts'\" or \"SQLSTATE 22003\".") var reason: String?
        @Option(help: "Only this topic.") var topic: String?
        @Option(help: "Only those received at or after this time (ISO-8601 or any PostgreSQL timestamp).") var since: String?
        @Option(help: "Only those received before this time.") var until: String?
        @Flag(help: "Include dead letters a replay already applied.") var all = false
        @Option(help: "At most this many.") var limit = 100

        var filter: DeadLetterStore.Filter {
            var filter = DeadLetterStore.Filter()
            filter.ids = ids
            filter.reasonContains = reason
            filter.topic = topic
            filter.since = since
            filter.until = until
            filter.includeResolved = all
            filter.limit = limit
            return filter
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per dead letter: id, time, where, reason.")
        @OptionGroup var options: ConfigOptions
        @OptionGroup var filters: Filters

        func run() throws {
            let entries = try DeadLetterStore(connection: options.connect()).entries(filters.filter)
            if entries.isEmpty { print("no dead letters match") }
            for entry in entries {
                let state = entry.resolved ? " [replayed]" : ""
                print("\(entry.id)\t\(entry.receivedAt)\t\(entry.topic)[\(entry.partition)]@\(entry.offset)\tuser=\(entry.userID.map(String.init) ?? "-")\t\(entry.payloadBytes) B\(state)\t\(entry.reason.prefix(160))")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every field of the matching dead letters, payload included.")
        @OptionGroup var options: ConfigOptions
        @OptionGroup var filters: Filters

        func run() throws {
            for entry in try DeadLetterStore(connection: options.connect()).entries(filters.filter) {
                print("""
                    dead letter \(entry.id)
                      received   \(entry.receivedAt)
                      message    \(entry.topic)[\(entry.partition)] offset \(entry.offset)
                      key        \(entry.key.map(Self.readable) ?? "(none)")
                      user       \(entry.userID.map(String.init) ?? "(key is not a user id)")
                      reason     \(entry.reason)
                      sqlstate   \(entry.sqlState ?? "-")
                      replays    \(entry.replayCount)\(entry.resolved ? " (applied)" : "")
                      payload    \(entry.payloadBytes) bytes\(entry.isTruncated ? ", first \(entry.payload.count) stored" : "")
                      \(Self.readable(entry.payload))
                    """)
            }
        }

        /// Bytes as text when they are printable UTF-8, otherwise as hex.
        static func readable(_ bytes: [UInt8]) -> String {
            if let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains(where: EventContract.isControl) {
                return text
            }
            return "hex " + bytes.map { String(format: "%02x", $0) }.joined()
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply matching dead letters again through the event codec and the exactly-once ingest path.",
            discussion: """
                Events are deduplicated by (user_id, event_id), so a replay is idempotent: an event already applied is \
                marked replayed without counting twice. A message that still fails stays a dead letter with its new \
                reason. Consumer offsets do not move. Payloads stored truncated (over 4 KiB) cannot be replayed.
                """)
        @OptionGroup var options: ConfigOptions
        @OptionGroup var filters: Filters
        @Option(help: "Events timed more than this many seconds ahead of now are refused again (stream.event_max_future_seconds).") var eventMaxFutureSeconds: Double?
        @Option(help: "Events timed before this epoch second are refused again (stream.event_earliest_timestamp).") var eventEarliestTimestamp: Double?

        func run() throws {
            // The stream's own window, so a replay refuses exactly what the stream would.
            let config = try options.load(overrides: Dictionary(uniqueKeysWithValues: [
                ("stream.event_max_future_seconds", eventMaxFutureSeconds), ("stream.event_earliest_timestamp", eventEarliestTimestamp),
            ].compactMap { key, value in value.map { (key, String($0)) } }))
            let connection = try PostgresConnection(url: try config.database.requiredURL())
            let store = DeadLetterStore(connection: connection)
            let contract = EventContract(earliestTimestamp: config.stream.eventEarliestTimestamp, maxFutureSeconds: config.stream.eventMaxFutureSeconds)
            let entries = try store.entries(filters.filter)
            let report = try DeadLetterReplay(connection: connection, contract: contract).replay(entries)
            print("replayed \(entries.count) dead letters: \(report.applied) applied, \(report.alreadyApplied) already applied, \(report.stillRefused) still refused")
        }
    }
}
