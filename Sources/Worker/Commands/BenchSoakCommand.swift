import ArgumentParser
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle
import Synchronization

/// Streams at a fixed rate for a given time with models and refresh on, samples the process's RSS, and reports
/// its growth per hour and per million events, split into what the interactions held in memory need and the rest.
struct BenchSoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Measure memory over time: fixed-rate stream with models and refresh on, RSS sampled every few seconds.",
        discussion: """
            The first --warmup-minutes are not measured (the models are fitted, every user and item appears). After \
            that, the RSS growth is fitted with a line against time and against events applied. The data cost is \
            what the in-memory interaction matrix grows by: at least 16 bytes per new (user, item) pair (item and \
            user index plus value, stored in both directions), and what its arrays actually reserve (up to twice \
            that, as they grow by doubling), measured from their capacities; the rest of the growth is reported as \
            unexplained, and split by the allocator's own account (mallinfo2) into memory still in use beyond the \
            arrays (a leak would grow here) and freed memory the allocator keeps. Prints one JSON line with the samples.
            """)

    @Option(help: "Events per second.") var rate: Double = 2_000
    @Option(help: "Minutes to stream, warm-up included.") var minutes: Double = 60
    @Option(help: "Minutes at the start that are not measured.") var warmupMinutes: Double = 2
    @Option(help: "Seconds between RSS samples.") var sampleSeconds: Double = 10
    @Option(help: "Distinct users the events spread over.") var users = 10_000
    @Option(help: "Distinct items.") var items = 2_000
    @Option(help: "Users claimed from the refresh queue at a time.") var refreshBatch = 200
    @Option(help: "Worker log level (stderr).") var logLevel: String = "warning"

    func validate() throws {
        guard rate > 0, minutes > 0, sampleSeconds > 0, warmupMinutes >= 0, warmupMinutes < minutes else {
            throw ValidationError("--rate, --minutes and --sample-seconds must be positive and --warmup-minutes below --minutes")
        }
    }

    func run() async throws {
        let logger = StreamProcess.bootstrap(logLevel: logLevel, fallback: .warning, label: "recworker.bench.soak")
        let environment = ProcessInfo.processInfo.environment
        guard let brokers = environment["KAFKA_BROKERS"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("KAFKA_BROKERS is not set: export KAFKA_BROKERS=host:port")
        }
        guard let server = environment["DATABASE_URL"], !server.isEmpty else {
            throw ValidationError("DATABASE_URL is not set: export it (a fresh bench database is made on its server)")
        }
        let database = try BenchDatabase.fresh(onServerOf: server)
        defer { database.drop() }

        let runID = UInt32.random(in: 0...UInt32.max)
        let topic = "bench-soak-\(runID)"
        let total = Int(rate * minutes * 60)
        let producer = try BenchProducer(brokers: brokers, topic: topic, source: BenchEventSource(users: users, items: items, seed: 1))
        try producer.produceAll(count: 1)  // creates the topic before the consumer subscribes

        let applied = EventCounter()
        let settings = StreamSettings(
            brokers: brokers, topic: topic, groupID: "soak-\(runID)", maxBatchSize: 5_000, maxBatchWait: .milliseconds(100),
            exitWhenIdle: nil, kafkaProperties: [:])
        let loop = IngestLoop(settings: settings, databaseURL: database.url, logger: logger, committed: { batch, _ in
            applied.add(batch.events.count + batch.deadLetters.count)
        })
        let refreshSettings = RefreshSettings(
            candidateCount: 100, publishedCount: 10, usersPerClaim: refreshBatch, maxUsersPerClaim: refreshBatch, claimLease: .seconds(30),
            includeDemographics: false, maxLLMCalls: nil, modelVersion: "popularity")
        let refresher = Refresher(
            settings: refreshSettings, connection: try PostgresConnection(url: database.url), reranker: nil,
            models: StreamModels(settings: .init(candidateCount: 100, refitGrowth: nil), logger: logger), output: nil, logger: logger)
        let sampler = SoakSampler(
            loop: loop, producer: producer, refresher: refresher, applied: applied, count: total, rate: rate,
            duration: .seconds(minutes * 60), interval: .seconds(sampleSeconds))
        try await ServiceGroup(configuration: .init(services: [
            .init(service: IngestService(loop: loop)),
            // Two lanes, as `stream.refresh_workers` defaults to.
            .init(service: RefreshService(refresher: refresher, logger: logger)),
            .init(service: RefreshService(refresher: refresher.lane(connection: try PostgresConnection(url: database.url)), logger: logger)),
            .init(service: ItemStatsRollupService(connection: try PostgresConnection(url: database.url), logger: logger)),
            .init(service: sampler, successTerminationBehavior: .gracefullyShutdownGroup),
        ], logger: logger)).run()

        let report = SoakReport(samples: sampler.samples, warmup: warmupMinutes * 60)
        var line: [String: Any] = [
            "bench": "soak", "rate": rate, "minutes": minutes, "warmup_minutes": warmupMinutes, "users": users, "items": items,
            "events_applied": applied.value, "samples": sampler.samples.map {
                [$0.seconds.rounded(), Double($0.rssBytes) / 1_048_576, Double($0.events), Double($0.interactions),
                 Double($0.reservedBytes) / 1_048_576, Double($0.heap.inUseBytes) / 1_048_576, Double($0.heap.heldFreeBytes) / 1_048_576]
            },
            "sample_columns": [
                "seconds", "rss_mb", "events_applied", "interactions_in_memory", "interaction_arrays_mb", "heap_in_use_mb",
                "heap_held_free_mb",
            ],
        ]
        line.merge(report.fields) { _, new in new }
        try BenchCommand.printLine(line)
    }
}

/// Starts the fixed-rate producer once the consumer is assigned, samples every `interval` and ends the group
/// after `duration`.
final class SoakSampler: Service, Sendable {
    struct Sample: Sendable {
        var seconds: Double
        var rssBytes: Int
        var events: Int
        var interactions: Int
        /// Bytes the interaction arrays reserve (`InteractionData.reservedBytes`).
        var reservedBytes: Int
        var heap: HeapUsage
    }

    private let loop: IngestLoop
    private let producer: BenchProducer
    private let refresher: Refresher
    private let applied: EventCounter
    private let count: Int
    private let rate: Double
    private let duration: Duration
    private let interval: Duration
    private let collected = Mutex<[Sample]>([])

    init(loop: IngestLoop, producer: BenchProducer, refresher: Refresher, applied: EventCounter, count: Int, rate: Double,
         duration: Duration, interval: Duration) {
        (self.loop, self.producer, self.refresher, self.count, self.rate, self.duration, self.interval) =
            (loop, producer, refresher, count, rate, duration, interval)
        self.applied = applied
    }

    var samples: [Sample] { collected.withLock { $0 } }

    func run() async throws {
        while loop.lastActivityTime == nil { try await Task.sleep(for: .milliseconds(5)) }
        producer.startProducing(count: count, rate: rate, firstNumber: 1)
        let started = ContinuousClock.now
        while ContinuousClock.now - started < duration, !Task.isShuttingDownGracefully {
            try producer.checkFailure()
            let sample = Sample(seconds: (ContinuousClock.now - started).seconds, rssBytes: Self.residentBytes(),
                                events: applied.value, interactions: refresher.interactionsInMemory,
                                reservedBytes: refresher.interactionBytesReserved, heap: .current())
            collected.withLock { $0.append(sample) }
            try await Task.sleep(for: interval)
        }
    }

    /// Resident set size from /proc/self/statm (pages).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Events applied so far, counted on the ingest thread.
final class EventCounter: Sendable {
    private let count = Atomic<Int>(0)
    func add(_ events: Int) { count.add(events, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// RSS growth after the warm-up: fitted per hour and per million events, and split into the interaction arrays'
/// growth (their reserved capacity; the pairs alone need `bytesPerPair`) and the unexplained rest. The heap's own
/// account splits that rest again: memory the program still holds beyond the arrays (a leak would show here) and
/// memory it freed that the allocator keeps.
struct SoakReport {
    /// Bytes one new (user, item) pair adds to `InteractionData`: item index and value on the user's side, user
    /// index and value on the item's side (array spare capacity not counted).
    static let bytesPerPair = 16.0
    var fields: [String: Any] = [:]

    init(samples: [SoakSampler.Sample], warmup: Double) {
        let measured = samples.filter { $0.seconds >= warmup }
        guard let first = measured.first, let last = measured.last, measured.count >= 3, last.events > first.events else {
            fields["error"] = "too few samples after the warm-up: run longer or sample more often"
            return
        }
        let rss = measured.map { Double($0.rssBytes) }
        let perSecond = Self.slope(measured.map(\.seconds), rss)
        let events = measured.map { Double($0.events) }
        let perEvent = Self.slope(events, rss)
        let dataBytes = Double(last.interactions - first.interactions) * Self.bytesPerPair
        let reservedBytes = Double(last.reservedBytes - first.reservedBytes)
        let growthBytes = rss.last! - rss.first!
        let hours = (last.seconds - first.seconds) / 3600
        let millions = Double(last.events - first.events) / 1e6
        fields = [
            "rss_after_warmup_mb": rss.first! / 1_048_576, "rss_end_mb": rss.last! / 1_048_576,
            "rss_growth_mb_per_hour": perSecond * 3600 / 1_048_576,
            "rss_growth_mb_per_million_events": perEvent * 1e6 / 1_048_576,
            "new_pairs_in_memory": last.interactions - first.interactions,
            "data_growth_mb_per_hour": dataBytes / hours / 1_048_576,
            "data_growth_mb_per_million_events": dataBytes / millions / 1_048_576,
            "arrays_growth_mb_per_hour": reservedBytes / hours / 1_048_576,
            "arrays_growth_mb_per_million_events": reservedBytes / millions / 1_048_576,
            "unexplained_growth_mb_per_hour": (growthBytes - reservedBytes) / hours / 1_048_576,
            "unexplained_growth_mb_per_million_events": (growthBytes - reservedBytes) / millions / 1_048_576,
            // Fitted, not end to end: one sample taken while a claim's rows are staged is megabytes above the trend.
            "heap_in_use_beyond_arrays_growth_mb_per_million_events":
                Self.slope(events, measured.map { Double($0.heap.inUseBytes - $0.reservedBytes) }) * 1e6 / 1_048_576,
            "heap_held_free_growth_mb_per_million_events":
                Self.slope(events, measured.map { Double($0.heap.heldFreeBytes) }) * 1e6 / 1_048_576,
        ]
    }

    /// Least-squares slope of y on x.
    static func slope(_ x: [Double], _ y: [Double]) -> Double {
        let meanX = x.reduce(0, +) / Double(x.count), meanY = y.reduce(0, +) / Double(y.count)
        let covariance = zip(x, y).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        let variance = x.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
        return variance > 0 ? covariance / variance : 0
    }
}
