import KafkaClient
import Logging
import Pipeline

extension NightlyJob {
    /// A job wired from the validated config; `reranker` is nil when the LLM is off.
    init(config: RecWorkerConfig, reranker: (any Reranker)?, progress: any NightlyProgressReporter, logger: Logger) throws {
        let models: any NightlyModelSuite = switch config.models.suite {
        case .blend: BlendModelSuite(eventWeights: config.modelInputs.eventWeights, accumulation: config.modelInputs.accumulation,
                                     diversity: config.modelInputs.diversity,
                                     databaseURL: config.database.url, keepVersions: max(1, config.nightly.keepRuns))
        case .popularity: PopularityModelSuite()
        }
        var announcer: RecommendationAnnouncer?
        if config.kafka.output.enabled, let brokers = config.kafka.brokers {
            announcer = RecommendationAnnouncer(producer: try KafkaProducer(brokers: brokers), topic: config.kafka.output.topic)
        }
        self.init(
            databaseURL: config.database.url,
            settings: Settings(
                seed: config.models.seed,
                ranking: .init(candidatesPerUser: config.candidates.perUser, rerankPool: config.candidates.rerankPool,
                               rowsPerUser: config.publication.rowsPerUser, historyLength: config.models.historyLength),
                batchSize: config.nightly.batchSize, batchPause: .milliseconds(config.nightly.batchPauseMilliseconds),
                keepRuns: config.nightly.keepRuns, pruneBatchSize: config.nightly.pruneBatchSize,
                resumeMaxAgeHours: config.nightly.resumeMaxAgeHours,
                llmMaxUsers: config.nightly.llmMaxUsers, llmMaxTokens: config.nightly.llmMaxTokens,
                llmConcurrency: config.llm.concurrency),
            models: models, reranker: reranker, announcer: announcer, progress: progress, logger: logger)
    }
}
