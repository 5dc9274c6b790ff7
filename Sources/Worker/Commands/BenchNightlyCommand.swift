import ArgumentParser
import Foundation
import Logging
import Pipeline
import PostgresClient
import Storage

struct BenchNightlyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "Time a full nightly run (retrain, candidates, publish) with the LLM off.",
        discussion: """
            Loads the MovieLens folder into the database first when it holds no interactions (use a fresh,
            migrated database), then runs the nightly job `--runs` times and prints wall time and users/s.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: "Folder in the GroupLens ml-100k layout (u.item, u.user, u.data).")
    var movielens: String

    @Option(help: "How many consecutive runs to time.")
    var runs = 1

    func run() async throws {
        let config = try options.load(overrides: ["llm.enabled": "false", "kafka.output.enabled": "false"])
        let connection = try PostgresConnection(url: try config.database.requiredURL())
        try Migrator.bundled().migrate(connection)
        let existing = try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n")
        if existing == 0 {
            let started = ContinuousClock.now
            let dataset = try MovieLensDataset.load(from: movielens)
            try Self.load(dataset, into: connection)
            print("loaded \(dataset.ratings.count) ratings, \(dataset.users.count) users, \(dataset.items.count) items in "
                  + "\(NightlyReport.format(started.secondsSince))s (not timed below)")
        } else {
            print("database already holds \(existing) interactions; timing on those")
        }
        let job = try NightlyJob(config: config, reranker: nil, progress: SilentProgress(),
                                 logger: Logger(label: "recworker.bench"))
        for attempt in 1...max(1, runs) {
            let report = try await job.run(resume: false)
            let phases = report.phases.map { "\($0.name) \(NightlyReport.format($0.seconds))s" }.joined(separator: ", ")
            print("bench nightly run \(attempt): \(report.users) users, \(report.rows) rows in \(NightlyReport.format(report.totalSeconds))s "
                  + "wall = \(String(format: "%.0f", report.usersPerSecond)) users/s (\(phases))")
        }
    }

    /// Items and users through `CatalogStore`, ratings through the ingest path the stream worker uses.
    static func load(_ dataset: MovieLensDataset, into connection: PostgresConnection) throws {
        let catalog = CatalogStore(connection: connection)
        try catalog.upsert(items: dataset.items)
        try catalog.upsert(users: dataset.users)
        let ingest = IngestStore(connection: connection)
        let events = dataset.ratings.map {
            InteractionEvent(eventID: "ml-\($0.userID)-\($0.itemID)", userID: $0.userID, itemID: $0.itemID, type: .rating,
                             value: Double($0.value), timestamp: Double($0.timestamp))
        }
        for start in stride(from: 0, to: events.count, by: 20_000) {
            let chunk = Array(events[start..<min(start + 20_000, events.count)])
            _ = try ingest.apply(IngestBatch(groupID: "bench-load", events: chunk, deadLetters: [], progress: []))
        }
    }
}
