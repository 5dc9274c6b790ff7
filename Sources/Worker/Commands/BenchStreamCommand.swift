import ArgumentParser
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle

/// Runs the stream worker in-process against a fresh topic and database and reports sustained events/s and
/// freshness (produce time → profile committed, and → published rows) as one JSON line.
struct BenchStreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Measure stream throughput and freshness (fresh topic and database; LLM rerank off).",
        discussion: """
            Without --rate, all events are produced first and the worker's sustained rate is timed from its \
            partition assignment until the last event is applied (and, with --mode full, its user's rows are \
            published); its latencies then include the time events waited in that backlog. With --rate, events are produced at that rate while the worker runs; each carries its \
            produce time as `ts`, so the latencies are produce → profile commit and produce → published rows. \
            A user's rows count as covering an event once the refresher acknowledged a claim of the user whose \
            snapshot saw the event's ingest transaction (the models' catch-up and the profile read then saw it too).
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable, Sendable {
        /// Events, dedupe, profile and item aggregates, refresh queue (the ingest transaction).
        case ingest
        /// Plus the refresher: candidate regeneration and published rows for every touched user.
        case full
    }

    @Option(name: .customLong("database-url"), help: "Database to use (migrated first). Default: a fresh database on $DATABASE_URL's server, dropped afterwards.")
    var databaseURL: String?
    @Option(help: "Kafka bootstrap servers (default: $KAFKA_BROKERS). A fresh topic is created for every run.") var brokers: String?
    @Option(help: "What runs per batch: ingest (ingest + profiles) or full (+ candidate regeneration and published rows).") var mode: Mode = .ingest
    @Option(help: "Events to produce (default: 1,000,000, or 30 seconds' worth with --rate).") var events: Int?
    @Option(help: "Produce at this many events per second while the worker runs (freshness); default: all up front (throughput).") var rate: Double?
    @Option(help: "Distinct users the events spread over (uniformly).") var users = 10_000
    @Option(help: "Distinct items (popularity-skewed).") var items = 2_000
    @Option(help: "Most events applied in one transaction.") var batchSize = 20_000
    @Option(help: "Longest a batch waits to fill, in milliseconds.") var batchWaitMs = 100
    @Option(help: "Ingest loops (group members with their own connections) in the worker.") var ingestWorkers = RecWorkerConfig.Stream.defaultIngestWorkers
    @Option(help: "Users claimed from the refresh queue at a time while it is quiet (--mode full).") var refreshBatch = 200
    @Option(help: "Largest claim while the refresh queue is backlogged (--mode full).") var refreshBatchMax = 4_000
    @Option(help: "Refresh lanes (each with its own connection; models shared) in the worker (--mode full).") var refreshWorkers = RecWorkerConfig.Stream.defaultRefreshWorkers
    @Option(help: "Candidates generated per user (--mode full).") var candidates = 100
    @Option(help: "Recommendations published per user (--mode full).") var publish = 10
    @Option(help: "Seed of the synthetic events.") var seed: UInt64 = 1
    @Option(help: "Give up after this many seconds.") var timeoutSeconds = 900
    @Option(help: "Worker log level (stderr).") var logLevel: String = "warning"

    func validate() throws {
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        if let events, events <= 0 { throw ValidationError("--events must be positive") }
        guard users > 0, items > 0, batchSize > 0 else { throw ValidationError("--users, --items and --batch-size must be positive") }
        guard (1...8).contains(refreshWorkers) else { throw ValidationError("--refresh-workers must be between 1 and 8") }
        guard refreshBatch > 0, refreshBatchMax >= refreshBatch else { throw ValidationError("--refresh-batch must be positive and --refresh-batch-max at least --refresh-batch") }
    }

    func run() async throws {
        let logger = StreamProcess.bootstrap(logLevel: logLevel, fallback: .warning, label: "recworker.bench.stream")
        let environment = ProcessInfo.processInfo.environment
        guard let brokers = self.brokers ?? environment["KAFKA_BROKERS"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("KAFKA_BROKERS is not set: export KAFKA_BROKERS=host:port or pass --brokers")
        }
        let database: BenchDatabase
        if let databaseURL {
            database = try BenchDatabase.given(databaseURL)
        } else if let server = environment["DATABASE_URL"], !server.isEmpty {
            database = try BenchDatabase.fresh(onServerOf: server)
        } else {
            throw ValidationError("DATABASE_URL is not set: export it (a fresh bench database is made on its server) or pass --database-url")
        }
        defer { database.drop() }

        let runID = UInt32.random(in: 0...UInt32.max)
        let topic = "bench-stream-\(runID)"
        let total = events ?? rate.map { Int($0 * 30) } ?? 1_000_000
        let producer = try BenchProducer(brokers: brokers, topic: topic, source: BenchEventSource(users: users, items: items, seed: seed))

        // Throughput: the backlog exists before the worker starts. Freshness: one warm-up event creates the
        // topic (so the consumer can be assigned before the measured events flow) and is not measured.
        let produceStarted = ContinuousClock.now
        try producer.produceAll(count: rate == nil ? total : 1)
        let produceSeconds = (ContinuousClock.now - produceStarted).seconds
        let measuredFrom = rate == nil ? 0 : Date().timeIntervalSince1970
        let expected = rate == nil ? total : total + 1

        let tracker = FreshnessTracker(tracksPublication: mode == .full, expectedEvents: total, measuredFrom: measuredFrom)
        let settings = StreamSettings(
            brokers: brokers, topic: topic, groupID: "bench-\(runID)", maxBatchSize: batchSize,
            maxBatchWait: .milliseconds(batchWaitMs), exitWhenIdle: nil, kafkaProperties: Self.shortFetchWait)
        let loops = IngestLoops(loops: (0..<ingestWorkers).map { _ in
            IngestLoop(settings: settings, databaseURL: database.url, logger: logger, committed: { batch, outcome in tracker.committed(batch, transactionID: outcome.transactionID) })
        })
        let window = BenchWindow()
        let driver = BenchDriver(
            loops: loops, tracker: tracker, producer: producer, rated: try rate.map { (total, $0, 1, try producer.partitionCount()) }, expectedEvents: expected,
            watchesPublication: mode == .full, timeout: .seconds(timeoutSeconds), window: window)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = loops.services.map { .init(service: $0) }
        services.append(.init(service: driver, successTerminationBehavior: .gracefullyShutdownGroup))
        // Part of ingesting, as in `recworker stream`: the item counters ingest transactions no longer write.
        services.append(.init(service: ItemStatsRollupService(connection: try PostgresConnection(url: database.url), logger: logger)))
        var refresher: Refresher?
        if mode == .full {
            let refreshSettings = RefreshSettings(
                candidateCount: candidates, publishedCount: publish, usersPerClaim: refreshBatch, maxUsersPerClaim: refreshBatchMax, claimLease: .seconds(30),
                includeDemographics: false, maxLLMCalls: nil, modelVersion: "popularity")
            // The same model work as `recworker stream --models on`: fit at start, updated with every committed batch.
            let models = StreamModels(settings: .init(candidateCount: candidates, refitGrowth: nil), logger: logger)
            let fullRefresher = Refresher(settings: refreshSettings, connection: try PostgresConnection(url: database.url), reranker: nil,
                                      models: models, output: nil, logger: logger,
                                      acknowledged: { claims in tracker.published(claims) })
            refresher = fullRefresher
            for lane in [fullRefresher] + (try (1..<refreshWorkers).map { _ in fullRefresher.lane(connection: try PostgresConnection(url: database.url)) }) {
                services.append(.init(service: RefreshService(refresher: lane, logger: logger)))
            }
        }
        try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()

        let summary = tracker.summary()
        guard let start = window.openedAt, let end = window.closedAt else { throw BenchTimeout(description: "bench stream ended before its window closed") }
        // Ingest-only runs end at the last commit; full runs when the last event's rows are known to be published.
        let finished = mode == .ingest ? (summary.lastCommit ?? end) : end
        let seconds = finished - start
        var line: [String: Any] = [
            "bench": "stream", "mode": mode.rawValue, "events": total, "users": users, "items": items,
            "batch_size": batchSize, "batch_wait_ms": batchWaitMs, "ingest_workers": ingestWorkers, "batches": summary.batches, "dead_letters": summary.deadLetters,
            "seconds": seconds, "events_per_second": Double(total) / seconds,
            "llm": "off",
        ]
        if let rate {
            line["rate"] = rate
        } else {
            line["produce_seconds"] = produceSeconds
        }
        if mode == .full {
            line["refresh_batch"] = refreshBatch
            line["refresh_batch_max"] = refreshBatchMax
            line["refresh_workers"] = refreshWorkers
            line["candidates"] = candidates
            line["users_refreshed"] = summary.usersRefreshed
            // Wall seconds per step, every lane together: where a run's refresh time went, without a profiler.
            line["refresh_phase_seconds"] = Dictionary(uniqueKeysWithValues: (refresher?.phaseSeconds ?? [:]).map { ($0.key.rawValue, $0.value) })
        }
        if let lastCommit = summary.lastCommit { line["ingest_seconds"] = lastCommit - start }
        if let profile = summary.profileLatency {
            line["profile_latency_p50_s"] = profile.p50
            line["profile_latency_p99_s"] = profile.p99
            line["profile_latency_max_s"] = profile.max
        }
        if let published = summary.publishedLatency {
            line["published_latency_p50_s"] = published.p50
            line["published_latency_p99_s"] = published.p99
            line["published_latency_max_s"] = published.max
        }
        try BenchCommand.printLine(line)
    }

    /// Kafka answers a waiting fetch as soon as data arrives; the dev broker holds it for its whole wait, which
    /// would add up to 500 ms to every measured latency. A run's topic stays far below the millions of events at
    /// which that broker answers such short fetches empty (`bench soak`, which runs for an hour, keeps the default).
    private static let shortFetchWait = ["fetch.wait.max.ms": "50"]
}
