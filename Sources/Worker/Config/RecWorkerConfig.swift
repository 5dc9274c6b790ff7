import LLMClient
import Pipeline

/// Every setting of recworker, validated. Built once at start by `RecWorkerConfig.load` from the YAML file, then
/// the environment, then the command's explicit flags (each verb turns its flags into dotted-key overrides);
/// commands take the sections they need. See docs/publication.md for the reference.
///
/// Adding a setting: a field here, one `reader.…("section.key", default:)` line in `init(reader:)`
/// (RecWorkerConfig+Loading.swift), one line in `summary`, and a flag (if any) that writes the same dotted key
/// into the overrides. A new section is a new struct here plus its own `read…` function; environment variables
/// (`RECWORKER_SECTION_KEY`) and the unknown-key check follow from the key names by themselves.
struct RecWorkerConfig: Sendable {
    struct Database: Sendable {
        /// libpq URL or key=value string; secrets belong in the environment (`DATABASE_URL`) rather than the file.
        /// Nil only for verbs that work without a database (evaluate, calibrate); `requiredURL()` says what to set.
        var url: String?

        func requiredURL() throws -> String {
            guard let url, !url.isEmpty else {
                throw ConfigError(key: "database.url", message: "is not set: set database.url in the config file, DATABASE_URL, or pass --database-url", origin: nil)
            }
            return url
        }
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
        /// librdkafka properties (`security.protocol`, `ssl.ca.location`, `sasl.*`) for every consumer and producer.
        /// Secrets among them come from `<name>_file` keys or the environment, never from the file itself.
        var properties: [String: String]

        func requiredBrokers() throws -> String {
            guard let brokers, !brokers.isEmpty else {
                throw ConfigError(key: "kafka.brokers", message: "is not set: set kafka.brokers in the config file, KAFKA_BROKERS, or pass --brokers", origin: nil)
            }
            return brokers
        }
    }

    struct Stream: Sendable {
        var batchSize: Int
        var maxWaitMilliseconds: Int
        /// -1 disables /metrics and /healthz; 0 picks a free port.
        var metricsPort: Int
        var metricsHost: String
        /// Users claimed from the refresh queue at a time, and how long a claim stays reserved.
        var refreshBatch: Int
        /// Largest claim while the queue is backlogged (claims grow from `refreshBatch`; see `ClaimSizer`).
        var refreshBatchMax: Int
        var refreshLeaseSeconds: Int
        /// Keep the blended models current per batch (false: global popularity only).
        var models: Bool
        /// Refit from scratch once interactions grew by this fraction since the last fit (nil: never).
        var modelRefitGrowth: Double?
        /// Most LLM reranks this process makes (nil: no limit besides `llm.max_requests`).
        var llmMaxCalls: Int?
        /// The event contract's timestamp window: earliest epoch second, and how far past the clock.
        var eventEarliestTimestamp: Double
        var eventMaxFutureSeconds: Double
        /// Tries of a batch from one offset before its message is dead-lettered (the crash-loop guard).
        var maxAttempts: Int
        /// Ingest loops (consumer-group members with their own connections) per process.
        var ingestWorkers: Int
        /// Refresh lanes (connections claiming and publishing side by side, models shared) per process.
        var refreshWorkers: Int
        /// Tries at refreshing a user whose refresh keeps failing before it is skipped until its next event.
        var refreshMaxAttempts: Int

        /// Two ingest loops: with one, the worker waited on a single PostgreSQL backend and a core stayed idle; two
        /// applied 50,000 users' events 1.6–2× as fast (docs/stream-load.md). `bench stream` starts from the same.
        static let defaultIngestWorkers = 2
        /// Two lanes: while one writes a claim's rows (database time), the other scores the next (worker CPU).
        static let defaultRefreshWorkers = 2
        static let defaultMaxAttempts = 3
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
        /// Attempts per call, the first included.
        var maxAttempts: Int
        /// Per-process budget: requests and tokens one process may spend in total (nil: unlimited).
        var maxRequests: Int?
        var maxTokens: Int?
        var structuredOutput: StructuredOutput
        /// Keyed pseudonym sent in OpenAI's `user` field; from `pseudonym_key_file` or LLM_PSEUDONYM_KEY, never printed.
        var pseudonymKey: String?
        var pseudonymKeyFile: String?
        /// Prompt shape: history entries, longest reason, token budget, shuffled candidate orders per user.
        var promptHistory: Int
        var reasonCharacters: Int
        var promptTokens: Int
        var bootstrapSamples: Int
        var cacheTTLSeconds: Int
        /// Weight of the LLM's order against the model's when fusing ranks (0 = model only, 1 = LLM only).
        var fusionWeight: Double
        /// Privacy switch: whether prompts may mention age, gender and occupation.
        var includeDemographics: Bool
    }

    struct Profiles: Sendable {
        /// Who writes the profile summary rerank prompts start from: the template, or the LLM (when `llm.enabled`),
        /// rewritten when the profile changes materially (docs/llm.md).
        var summary: SummarySource
        /// Longest LLM summary accepted; a longer one is replaced by the template.
        var summaryMaxCharacters: Int

        /// Whether rerank calls write LLM summaries (the LLM must be on too).
        func writesLLMSummaries(llm: LLM) -> Bool { summary == .llm && llm.enabled }
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
        /// The job's lease lasts this long without renewal: a killed job blocks the next one at most this long.
        var leaseSeconds: Int
    }

    struct Publication: Sendable {
        /// Rows published per user.
        var rowsPerUser: Int
    }

    struct Retention: Sendable {
        /// The nightly job deletes interactions older than this many days, in bounded batches (nil: keep all).
        var interactionsDays: Int?
        /// Rows deleted per statement by retention and cache expiry.
        var batchSize: Int
    }

    var database: Database
    var kafka: Kafka
    var stream: Stream
    var models: Models
    var candidates: Candidates
    var llm: LLM
    var profiles: Profiles
    var nightly: Nightly
    var publication: Publication
    var retention: Retention
    /// Event weights, accumulation and diversity (RecWorkerConfig+ModelInputs.swift).
    var modelInputs: ModelInputs
}
