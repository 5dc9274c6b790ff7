import KafkaClient
import Logging
import Pipeline

extension NightlyJob {
    /// A job wired from the validated config; `reranker` is nil when the LLM is off.
    init(config: RecWorkerConfig, reranker: (any Reranker)?, progress: any NightlyProgressReporter, logger: Logger) throws {
        let databaseURL = try config.database.requiredURL()
        let models: any NightlyModelSuite = switch config.models.suite {
        case .blend: BlendModelSuite(eventWeights: config.modelInputs.eventWeights, accumulation: config.modelInputs.accumulation,
                                     diversity: config.modelInputs.diversity,
                                     databaseURL: databaseURL, keepVersions: max(1, config.nightly.keepRuns))
        case .popularity: PopularityModelSuite()
        }
        var announcer: RecommendationAnnouncer?
        if config.kafka.output.enabled, let brokers = config.kafka.brokers {
            announcer = RecommendationAnnouncer(producer: try KafkaProducer(brokers: brokers, properties: config.kafka.properties), topic: config.kafka.output.topic)
        }
        self.init(
            databaseURL: databaseURL,
            settings: Settings(
                seed: config.models.seed,
                ranking: .init(candidatesPerUser: config.candidates.perUser, rerankPool: config.candidates.rerankPool,
                               rowsPerUser: config.publication.rowsPerUser, historyLength: config.models.historyLength,
                               llmSummaries: config.profiles.writesLLMSummaries(llm: config.llm)),
                batchSize: config.nightly.batchSize, batchPause: .milliseconds(config.nightly.batchPauseMilliseconds),
                keepRuns: config.nightly.keepRuns, pruneBatchSize: config.nightly.pruneBatchSize,
                resumeMaxAgeHours: config.nightly.resumeMaxAgeHours,
                llmMaxUsers: config.nightly.llmMaxUsers, llmMaxTokens: config.nightly.llmMaxTokens,
                llmConcurrency: config.llm.concurrency, leaseTTL: .seconds(config.nightly.leaseSeconds),
                retentionDays: config.retention.interactionsDays, maintenanceBatchSize: config.retention.batchSize),
            models: models, reranker: reranker, announcer: announcer, progress: progress, logger: logger)
    }
}
