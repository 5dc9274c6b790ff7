import ArgumentParser
import Foundation
import KafkaClient
import LinearAlgebra
import Logging
import Metrics
import Pipeline
import PostgresClient
import Prometheus
import ServiceLifecycle
import Storage

struct StreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Consume interaction events, update profiles and publish fresh recommendations (runs until SIGTERM/SIGINT).")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions
    @Option(help: "YAML config file (default: $RECWORKER_CONFIG). Flags given explicitly override its values.")
    var config: String?
    @Option(help: "Consumer group id; replicas with the same group share the topic's partitions (default: recworker).") var group: String?
    @Option(help: "Most events applied in one transaction (default: 5000).") var batchSize: Int?
    @Option(help: "Longest a batch waits to fill, in milliseconds (default: 100).") var batchWaitMs: Int?
    @Option(help: "Candidates generated per user (default: 100).") var candidates: Int?
    @Option(help: "Recommendations published per user (default: 10).") var publish: Int?
    @Option(help: "Users claimed from the refresh queue at a time.") var refreshBatch = 200
    @Option(help: "Seconds a claimed user stays reserved for this worker's refresher (extended while it works).") var refreshLeaseSeconds = 30
    @Option(help: "Attempts at refreshing a user whose refresh keeps failing before it is skipped until its next event.") var refreshMaxAttempts = 5
    @Option(help: "Rerank with the LLM at $LLM_BASE_URL: on or off (default: off, or llm.enabled from --config).") var llm: Toggle?
    @Option(help: "Most LLM reranks this process makes; the rest publish the model's order.") var llmMaxCalls: Int?
    @OptionGroup var llmOptions: LLMOptions
    @Option(help: "Candidates from the blended models kept current per batch (on), or global popularity only (off).") var models: Toggle = .on
    @Option(help: "Refit the models from scratch once interactions grew by this fraction since the last fit (0 never).") var modelRefitGrowth = 1.0
    @Option(help: "Publish each refreshed user's list to this Kafka topic (one message per user, key = user id).") var outputTopic: String?
    @Option(help: "Port for /metrics, /livez and /readyz (0 picks a free port; -1 disables; default: 9464).") var metricsPort: Int?
    @Option(help: "Address /metrics, /livez and /readyz listen on (0.0.0.0 for a scraper or a probe from outside the pod).") var metricsHost = "127.0.0.1"
    @Option(help: "Exit after this many seconds with nothing consumed and nothing left to refresh.") var exitWhenIdle: Double?

    enum Toggle: String, ExpressibleByArgument, Sendable { case on, off }

    func run() async throws {
        let level = Logger.Level(rawValue: logging.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "recworker.stream")
        // The refresher's products are small and frequent: OpenBLAS's idle threads spin (sched_yield) between
        // them and took a fifth of the worker's CPU from ingestion on a 2-core host.
        BLASBackend.setThreads(1)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let file = config ?? ProcessInfo.processInfo.environment["RECWORKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        // Without a file the flags and the environment decide, as before; with one it is validated at start.
        let fileConfig = try file.map { try RecWorkerConfig.load(file: $0, overrides: database.url.map { ["database.url": $0] } ?? [:]) }
        let databaseURL = try fileConfig?.database.url ?? database.resolvedURL()
        let connection = try PostgresConnection(url: databaseURL)
        let brokers = try kafka.brokers ?? fileConfig?.kafka.brokers ?? kafka.resolvedBrokers()
        let candidateCount = candidates ?? fileConfig?.candidates.perUser ?? 100
        let settings = StreamSettings(
            brokers: brokers, topic: kafka.topic ?? fileConfig?.kafka.eventsTopic ?? kafka.resolvedTopic,
            groupID: group ?? fileConfig?.kafka.groupID ?? "recworker",
            maxBatchSize: batchSize ?? fileConfig?.stream.batchSize ?? 5_000,
            maxBatchWait: .milliseconds(batchWaitMs ?? fileConfig?.stream.maxWaitMilliseconds ?? 100),
            exitWhenIdle: exitWhenIdle.map { .seconds($0) }, kafkaProperties: [:])
        let refreshSettings = RefreshSettings(
            candidateCount: candidateCount, publishedCount: publish ?? fileConfig?.publication.rowsPerUser ?? 10,
            usersPerClaim: refreshBatch, claimLease: .seconds(refreshLeaseSeconds),
            includeDemographics: fileConfig?.llm.includeDemographics ?? llmOptions.includeDemographics,
            maxLLMCalls: llmMaxCalls, modelVersion: "popularity", maxAttempts: refreshMaxAttempts)
        let llmEnabled = llm.map { $0 == .on } ?? fileConfig?.llm.enabled ?? false
        let reranker: (any Reranker)? = if let fileConfig, llm == nil {
            try ConfiguredReranker.make(config: fileConfig, logger: logger)
        } else {
            try RerankerFactory.make(enabled: llmEnabled, options: llmOptions, databaseURL: databaseURL, logger: logger)
        }
        let metricsPort = metricsPort ?? fileConfig?.stream.metricsPort ?? 9464
        let outputTopic = outputTopic ?? fileConfig.flatMap { $0.kafka.output.enabled ? $0.kafka.output.topic : nil }
        let health = WorkerHealth()
        let loop = IngestLoop(settings: settings, databaseURL: databaseURL, logger: logger, health: health)
        let streamModels = models == .on
            ? StreamModels(settings: .init(candidateCount: candidateCount, refitGrowth: modelRefitGrowth > 0 ? modelRefitGrowth : nil), logger: logger)
            : nil
        let output = try outputTopic.map { RefreshOutput(producer: try KafkaProducer(brokers: settings.brokers), topic: $0) }
        let refresher = Refresher(settings: refreshSettings, connection: connection, reranker: reranker, models: streamModels,
                                  output: output, logger: logger)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: IngestService(loop: loop), successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: RefreshService(refresher: refresher, logger: logger)),
        ]
        if metricsPort >= 0 {
            services.append(.init(service: MetricsServer(
                host: metricsHost, port: metricsPort, registry: registry, health: health, logger: logger)))
        }
        if let idle = settings.exitWhenIdle {
            services.append(.init(
                service: IdleExitService(loop: loop, idleFor: idle, pendingRefreshes: { try await refresher.pendingUsers() }),
                successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
