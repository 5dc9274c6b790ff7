import ArgumentParser
import Foundation
import KafkaClient
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

    @OptionGroup var options: ConfigOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions
    @Option(help: "Consumer group id; replicas with the same group share the topic's partitions (kafka.group).") var group: String?
    @Option(help: "Most events applied in one transaction (stream.batch_size).") var batchSize: Int?
    @Option(help: "Longest a batch waits to fill, in milliseconds (stream.max_wait_ms).") var batchWaitMs: Int?
    @Option(help: "Candidates generated per user (candidates.per_user).") var candidates: Int?
    @Option(help: "Recommendations published per user (publication.rows_per_user).") var publish: Int?
    @Option(help: "Users claimed from the refresh queue at a time (stream.refresh_batch).") var refreshBatch: Int?
    @Option(help: "Seconds a claimed user stays reserved for this worker's refresher (stream.refresh_lease_seconds; extended while it works).") var refreshLeaseSeconds: Int?
    @Option(help: "Attempts at refreshing a user whose refresh keeps failing before it is skipped until its next event (stream.refresh_max_attempts).") var refreshMaxAttempts: Int?
    @Option(help: "Rerank with the LLM: on or off (llm.enabled).") var llm: Toggle?
    @Option(help: "Most LLM reranks this process makes; the rest publish the model's order (stream.llm_max_calls).") var llmMaxCalls: Int?
    @OptionGroup var llmOptions: LLMOptions
    @Option(help: "Candidates from the blended models kept current per batch (on), or global popularity only (off) (stream.models).") var models: Toggle?
    @Option(help: "Diversity rerank strength λ for every list, 0 = off (ranking.diversity; docs/diversity.md).") var diversity: Double?
    @Option(help: "Refit the models from scratch once interactions grew by this fraction since the last fit, 0 never (stream.model_refit_growth).") var modelRefitGrowth: Double?
    @Option(help: "Publish each refreshed user's list to this Kafka topic, one message per user (kafka.output.topic, turns kafka.output.enabled on).") var outputTopic: String?
    @Option(help: "Port for /metrics, /livez and /readyz; 0 picks a free port, -1 disables (stream.metrics_port).") var metricsPort: Int?
    @Option(help: "Address /metrics, /livez and /readyz listen on, 0.0.0.0 for a scraper in another pod (stream.metrics_host).") var metricsHost: String?
    @Option(help: "Exit after this many seconds with nothing consumed and nothing left to refresh.") var exitWhenIdle: Double?
    @Option(help: "Events timed more than this many seconds ahead of the worker's clock are dead-lettered (stream.event_max_future_seconds).") var eventMaxFutureSeconds: Double?
    @Option(help: "Events timed before this epoch second are dead-lettered (stream.event_earliest_timestamp).") var eventEarliestTimestamp: Double?
    @Option(help: "Tries of a batch from the same offset (failed or killed) before its message is dead-lettered (stream.max_attempts).") var maxAttempts: Int?
    @Option(help: "Ingest loops in this process, each a group member with its own connection (stream.ingest_workers).") var ingestWorkers: Int?

    enum Toggle: String, ExpressibleByArgument, Sendable { case on, off }

    /// Dotted config keys for the flags given explicitly; they win over the environment and the file.
    var overrides: [String: String] {
        let pairs: [(String, String?)] = [
            ("kafka.group", group), ("stream.batch_size", batchSize.map(String.init)), ("stream.max_wait_ms", batchWaitMs.map(String.init)),
            ("candidates.per_user", candidates.map(String.init)), ("publication.rows_per_user", publish.map(String.init)),
            ("stream.refresh_batch", refreshBatch.map(String.init)), ("stream.refresh_lease_seconds", refreshLeaseSeconds.map(String.init)),
            ("stream.refresh_max_attempts", refreshMaxAttempts.map(String.init)),
            ("llm.enabled", llm.map { String($0 == .on) }), ("stream.llm_max_calls", llmMaxCalls.map(String.init)),
            ("stream.models", models.map { String($0 == .on) }), ("stream.model_refit_growth", modelRefitGrowth.map { String($0) }),
            ("kafka.output.topic", outputTopic), ("kafka.output.enabled", outputTopic.map { _ in "true" }),
            ("stream.metrics_port", metricsPort.map(String.init)), ("stream.metrics_host", metricsHost),
            ("stream.event_max_future_seconds", eventMaxFutureSeconds.map { String($0) }),
            ("stream.event_earliest_timestamp", eventEarliestTimestamp.map { String($0) }),
            ("ranking.diversity", diversity.map { String($0) }), ("stream.max_attempts", maxAttempts.map(String.init)), ("stream.ingest_workers", ingestWorkers.map(String.init)),
        ]
        var values = Dictionary(uniqueKeysWithValues: pairs.compactMap { key, value in value.map { (key, $0) } })
        values.merge(kafka.overrides) { _, flag in flag }
        values.merge(llmOptions.overrides) { _, flag in flag }
        return values
    }

    func run() async throws {
        let logger = StreamProcess.bootstrap(logLevel: logging.logLevel, fallback: .info, label: "recworker.stream")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let config = try options.load(overrides: overrides)
        let databaseURL = try config.database.requiredURL()
        let connection = try PostgresConnection(url: databaseURL)
        let settings = StreamSettings(
            brokers: try config.kafka.requiredBrokers(), topic: config.kafka.eventsTopic, groupID: config.kafka.groupID,
            maxBatchSize: config.stream.batchSize, maxBatchWait: .milliseconds(config.stream.maxWaitMilliseconds),
            exitWhenIdle: exitWhenIdle.map { .seconds($0) }, kafkaProperties: config.kafka.properties,
            contract: EventContract(earliestTimestamp: config.stream.eventEarliestTimestamp, maxFutureSeconds: config.stream.eventMaxFutureSeconds),
            maxAttempts: config.stream.maxAttempts)
        let refreshSettings = RefreshSettings(
            candidateCount: config.candidates.perUser, publishedCount: config.publication.rowsPerUser,
            usersPerClaim: config.stream.refreshBatch, maxUsersPerClaim: config.stream.refreshBatchMax, claimLease: .seconds(config.stream.refreshLeaseSeconds),
            includeDemographics: config.llm.includeDemographics, llmSummaries: config.profiles.writesLLMSummaries(llm: config.llm),
            maxLLMCalls: config.stream.llmMaxCalls, modelVersion: "popularity",
            maxAttempts: config.stream.refreshMaxAttempts)
        let reranker = try ConfiguredReranker.makeIfEnabled(config: config, logger: logger)
        let metricsPort = config.stream.metricsPort
        let metricsHost = config.stream.metricsHost
        let outputTopic = config.kafka.output.enabled ? config.kafka.output.topic : nil
        let health = WorkerHealth()
        let loops = IngestLoops(loops: (0..<config.stream.ingestWorkers).map { _ in
            IngestLoop(settings: settings, databaseURL: databaseURL, logger: logger, health: health)
        })
        let streamModels = config.stream.models
            ? StreamModels(settings: .init(candidateCount: config.candidates.perUser, refitGrowth: config.stream.modelRefitGrowth,
                                           eventWeights: config.modelInputs.eventWeights, accumulation: config.modelInputs.accumulation,
                                           diversity: config.modelInputs.diversity), logger: logger)
            : nil
        let output = try outputTopic.map {
            RefreshOutput(producer: try KafkaProducer(brokers: settings.brokers, properties: settings.kafkaProperties), topic: $0)
        }
        let refresher = Refresher(settings: refreshSettings, connection: connection, reranker: reranker, models: streamModels,
                                  output: output, logger: logger)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = loops.services.map {
            .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup)
        }
        for lane in [refresher] + (try (1..<config.stream.refreshWorkers).map { _ in refresher.lane(connection: try PostgresConnection(url: databaseURL)) }) {
            services.append(.init(service: RefreshService(refresher: lane, logger: logger)))
        }
        services.append(.init(service: ItemStatsRollupService(connection: try PostgresConnection(url: databaseURL), logger: logger)))
        if metricsPort >= 0 {
            services.append(.init(service: MetricsServer(
                host: metricsHost, port: metricsPort, registry: registry, health: health, logger: logger)))
        }
        if let idle = settings.exitWhenIdle {
            services.append(.init(
                service: IdleExitService(loops: loops, idleFor: idle, pendingRefreshes: { try await refresher.pendingUsers() }),
                successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
