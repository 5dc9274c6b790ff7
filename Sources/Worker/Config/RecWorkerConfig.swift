/// Every setting of recworker, validated. Built once at start by `RecWorkerConfig.load` from one YAML file
/// plus environment overrides; commands take the sections they need. See docs/publication.md for the reference.
struct RecWorkerConfig: Sendable {
    struct Database: Sendable {
        /// libpq URL; secrets belong in the environment (`DATABASE_URL`) rather than the file.
        var url: String
    }

    struct Kafka: Sendable {
        struct Output: Sendable {
            /// Publish one message per user to `topic` after each flip (and per stream refresh).
            var enabled: Bool
            var topic: String
        }

        /// Comma-separated `host:port` list; nil when Kafka is not configured.
        var brokers: String?
        /// Topic of interaction events (event contract v1).
        var eventsTopic: String
        var groupID: String
        var output: Output
    }

    struct Stream: Sendable {
        var batchSize: Int
        var maxWaitMilliseconds: Int
        var metricsPort: Int
    }

    struct Models: Sendable {
        enum Suite: String, Sendable, CaseIterable {
            /// Every model of the default candidate blend, refitted each night.
            case blend
            /// Interaction counts only: a fast baseline.
            case popularity
        }

        var suite: Suite
        /// Seeds every model fit; a run records it, so `--resume` refits identically.
        var seed: UInt64
        /// Recent interactions per user kept in profiles (explanations, prompts).
        var historyLength: Int
    }

    struct Candidates: Sendable {
        /// Candidates generated per user before ranking.
        var perUser: Int
        /// How many of them an LLM rerank sees.
        var rerankPool: Int
    }

    struct LLM: Sendable {
        var enabled: Bool
        var baseURL: String?
        var model: String?
        /// Read from `api_key_file` or `LLM_API_KEY`; never printed.
        var apiKey: String?
        var apiKeyFile: String?
        var requestsPerMinute: Int
        var tokensPerMinute: Int
        var concurrency: Int
        var timeoutSeconds: Double
        /// Stream-side budget: tokens the stream worker may spend per hour before falling back to model order.
        var tokenBudgetPerHour: Int
        var cacheTTLSeconds: Int
        /// Weight of the LLM's order against the model's when fusing ranks (0 = model only, 1 = LLM only).
        var fusionWeight: Double
        /// Privacy switch: whether prompts may mention age, gender and occupation.
        var includeDemographics: Bool
    }

    struct Nightly: Sendable {
        /// Published runs kept (the current one included); older ones are deleted.
        var keepRuns: Int
        /// Users per write transaction (and per progress step).
        var batchSize: Int
        /// Pause between batches, to spread the write load on a busy primary.
        var batchPauseMilliseconds: Int
        /// Rows deleted per statement when pruning old runs.
        var pruneBatchSize: Int
        /// `--resume` finishes an interrupted run only while its snapshot is younger than this; an older one is
        /// replaced by a fresh run, so a scheduled `nightly --resume` never publishes yesterday's data.
        var resumeMaxAgeHours: Int
        /// LLM budget per run: at most this many users reranked…
        var llmMaxUsers: Int
        /// …and at most this many tokens; the remaining users get the model's order.
        var llmMaxTokens: Int
    }

    struct Publication: Sendable {
        /// Rows published per user.
        var rowsPerUser: Int
    }

    var database: Database
    var kafka: Kafka
    var stream: Stream
    var models: Models
    var candidates: Candidates
    var llm: LLM
    var nightly: Nightly
    var publication: Publication
    /// Event weights, accumulation and diversity (RecWorkerConfig+ModelInputs.swift).
    var modelInputs: ModelInputs
}
