import ArgumentParser
import Foundation
import Logging
import Pipeline
import PostgresClient
import Storage

struct BenchNightlyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "Time a full nightly run (retrain, candidates, publish, prune) with the LLM off; one JSON line per run.",
        discussion: """
            Loads the data into the database first when it holds no interactions (use a fresh, migrated database):
            a MovieLens folder (--movielens, any GroupLens layout) or a synthetic dataset shaped like a release
            (--shape ml-1m|ml-10m|ml-20m), through the stream worker's ingest path. Then runs the nightly job
            `--runs` times and prints, per run, the wall time of each phase and the process's peak RSS.
            With --stream-startup it instead times the stream worker's start from the stored models.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: "MovieLens folder in any GroupLens layout.")
    var movielens: String?

    @OptionGroup var shaped: ShapeOptions

    @Option(help: "How many consecutive runs to time.")
    var runs = 1

    @Flag(help: "Time the stream worker's model start-up (read every interaction, load the stored models, first candidates) instead of a nightly run.")
    var streamStartup = false

    func run() async throws {
        let config = try options.load(overrides: ["llm.enabled": "false", "kafka.output.enabled": "false"])
        let connection = try PostgresConnection(url: try config.database.requiredURL())
        try Migrator.bundled().migrate(connection)
        let existing = try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n")
        var loadSeconds: Double?
        if existing == 0 {
            let started = ContinuousClock.now
            let dataset: MovieLensDataset
            if let movielens {
                dataset = try MovieLensDataset.load(from: movielens)
            } else if let shape = shaped.resolved {
                dataset = ShapedMovieLens(shape: shape, seed: 42).generate()
            } else {
                throw ValidationError("the database holds no interactions: pass --movielens DIR or --shape NAME to load some")
            }
            try Self.load(dataset, into: connection)
            loadSeconds = started.secondsSince
            FileHandle.standardError.write(Data(("loaded \(dataset.ratings.count) ratings, \(dataset.users.count) users, "
                + "\(dataset.items.count) items in \(NightlyReport.format(loadSeconds!))s\n").utf8))
        }
        let interactions = try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n")
        if streamStartup {
            print(try Self.json(try StreamStartupProbe(config: config).run().merging([
                "bench": "stream-startup", "interactions": interactions,
            ]) { $1 }))
            return
        }
        let job = try NightlyJob(config: config, reranker: nil, progress: SilentProgress(),
                                 logger: Logger(label: "recworker.bench"))
        for attempt in 1...max(1, runs) {
            let report = try await job.run(resume: false)
            var line: [String: Any] = [
                "bench": "nightly", "run": attempt, "users": report.users, "rows": report.rows, "interactions": interactions,
                "total_seconds": Self.rounded(report.totalSeconds), "users_per_second": Self.rounded(report.usersPerSecond),
                "phases": Dictionary(report.phases.map { ($0.name, Self.rounded($0.seconds)) }, uniquingKeysWith: +),
                "peak_rss_mib": PeakMemory.residentMiB, "cores": ProcessInfo.processInfo.activeProcessorCount,
            ]
            if let loadSeconds, attempt == 1 { line["database_load_seconds"] = Self.rounded(loadSeconds) }
            if let shape = shaped.shape { line["shape"] = shape }
            print(try Self.json(line))
        }
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Items and users through `CatalogStore`, ratings through the ingest path the stream worker uses.
    static func load(_ dataset: MovieLensDataset, into connection: PostgresConnection) throws {
        let catalog = CatalogStore(connection: connection)
        try catalog.upsert(items: dataset.items)
        try catalog.upsert(users: dataset.users)
        let ingest = IngestStore(connection: connection)
        for start in stride(from: 0, to: dataset.ratings.count, by: 20_000) {
            let chunk = dataset.ratings[start..<min(start + 20_000, dataset.ratings.count)].map {
                InteractionEvent(eventID: "ml-\($0.userID)-\($0.itemID)", userID: $0.userID, itemID: $0.itemID, type: .rating,
                                 value: Double($0.value), timestamp: Double($0.timestamp))
            }
            _ = try ingest.apply(IngestBatch(groupID: "bench-load", events: chunk, deadLetters: [], progress: []))
        }
    }
}
