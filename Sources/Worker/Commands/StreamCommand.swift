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

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions
    @Option(help: "Consumer group id; replicas with the same group share the topic's partitions.") var group = "recworker"
    @Option(help: "Most events applied in one transaction.") var batchSize = 5_000
    @Option(help: "Longest a batch waits to fill, in milliseconds.") var batchWaitMs = 100
    @Option(help: "Candidates generated per user.") var candidates = 100
    @Option(help: "Recommendations published per user.") var publish = 10
    @Option(help: "Users claimed from the refresh queue at a time.") var refreshBatch = 200
    @Option(help: "Seconds a claimed user stays reserved for this worker's refresher.") var refreshLeaseSeconds = 30
    @Option(help: "Rerank with the LLM at $LLM_BASE_URL: on or off.") var llm: Toggle = .off
    @Option(help: "Most LLM reranks this process makes; the rest publish the model's order.") var llmMaxCalls: Int?
    @OptionGroup var llmOptions: LLMOptions
    @Option(help: "Candidates from the blended models kept current per batch (on), or global popularity only (off).") var models: Toggle = .on
    @Option(help: "Refit the models from scratch once interactions grew by this fraction since the last fit (0 never).") var modelRefitGrowth = 1.0
    @Option(help: "Publish each refreshed user's list to this Kafka topic (one message per user, key = user id).") var outputTopic: String?
    @Option(help: "Port for /metrics and /healthz (0 picks a free port; -1 disables).") var metricsPort = 9464
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
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let databaseURL = try database.resolvedURL()
        let connection = try PostgresConnection(url: databaseURL)
        let settings = StreamSettings(
            brokers: try kafka.resolvedBrokers(), topic: kafka.topic, groupID: group, maxBatchSize: batchSize,
            maxBatchWait: .milliseconds(batchWaitMs), exitWhenIdle: exitWhenIdle.map { .seconds($0) }, kafkaProperties: [:])
        let refreshSettings = RefreshSettings(
            candidateCount: candidates, publishedCount: publish, usersPerClaim: refreshBatch, claimLease: .seconds(refreshLeaseSeconds),
            includeDemographics: llmOptions.includeDemographics, maxLLMCalls: llmMaxCalls, modelVersion: "popularity")
        let reranker = try RerankerFactory.make(enabled: llm == .on, options: llmOptions, databaseURL: databaseURL, logger: logger)
        let loop = IngestLoop(settings: settings, databaseURL: databaseURL, logger: logger)
        let streamModels = models == .on
            ? StreamModels(settings: .init(candidateCount: candidates, refitGrowth: modelRefitGrowth > 0 ? modelRefitGrowth : nil), logger: logger)
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
                host: "127.0.0.1", port: metricsPort, registry: registry, health: { connection.isHealthy }, logger: logger)))
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
