import Foundation
import LLMClient
import Pipeline

extension RecWorkerConfig {
    /// Reads `file` (if any), applies the environment and `overrides` (dotted key → value from flags), and
    /// validates everything. Errors name the key and where its value came from. `publishing` false skips the
    /// checks that only matter to verbs that publish rows (evaluate and calibrate show the LLM fewer candidates).
    static func load(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment, overrides: [String: String] = [:],
        publishing: Bool = true
    ) throws -> RecWorkerConfig {
        var values = ConfigValues(environment: environment)
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigError(key: "--config", message: "cannot read \(file); pass an existing YAML file (see deploy/recworker.example.yaml)", origin: nil)
            }
            values.file = try ConfigValues.flatten(yaml: String(decoding: data, as: UTF8.self), fileName: file)
        }
        for (key, text) in overrides { values.overrides[key] = .init(text: text, origin: "command line") }
        var reader = ConfigReader(values: values)
        let config = try RecWorkerConfig(reader: &reader, publishing: publishing)
        try reader.rejectUnknownKeys()
        return config
    }

    init(reader: inout ConfigReader, publishing: Bool = true) throws {
        database = Database(url: try reader.databaseURL("database.url"))

        kafka = Kafka(
            brokers: reader.optionalString("kafka.brokers"),
            eventsTopic: reader.string("kafka.events_topic", default: "interactions"),
            groupID: reader.string("kafka.group", default: "recworker"),
            output: .init(enabled: try reader.bool("kafka.output.enabled", default: false),
                          topic: reader.string("kafka.output.topic", default: "recommendations")),
            properties: try reader.kafkaProperties())
        if kafka.output.enabled, kafka.brokers?.isEmpty ?? true {
            throw ConfigError(key: "kafka.brokers", message: "is required when kafka.output.enabled is true (set it or KAFKA_BROKERS)",
                              origin: reader.origin(of: "kafka.output.enabled"))
        }
        for (key, topic) in [("kafka.events_topic", kafka.eventsTopic), ("kafka.output.topic", kafka.output.topic)] {
            try Self.validateTopic(topic, key: key, origin: reader.origin(of: key))
        }

        let refreshBatch = try reader.int("stream.refresh_batch", default: 200, in: 1...100_000)
        stream = Stream(
            batchSize: try reader.int("stream.batch_size", default: 5_000, in: 1...100_000),
            maxWaitMilliseconds: try reader.int("stream.max_wait_ms", default: 100, in: 1...60_000),
            metricsPort: try reader.int("stream.metrics_port", default: 9464, in: -1...65_535),
            metricsHost: reader.string("stream.metrics_host", default: "127.0.0.1"),
            refreshBatch: refreshBatch,
            refreshBatchMax: try reader.int("stream.refresh_batch_max", default: max(4_000, refreshBatch), in: 1...100_000),
            refreshLeaseSeconds: try reader.int("stream.refresh_lease_seconds", default: 30, in: 1...86_400),
            models: try reader.bool("stream.models", default: true),
            modelRefitGrowth: try reader.optionalDouble("stream.model_refit_growth", default: 1.0, in: 0...1_000),
            llmMaxCalls: try reader.optionalInt("stream.llm_max_calls", in: 0...Int.max),
            eventEarliestTimestamp: try reader.double("stream.event_earliest_timestamp", default: 0, in: 0...4_102_444_800),
            eventMaxFutureSeconds: try reader.double("stream.event_max_future_seconds", default: 86_400, in: 0...31_622_400),
            maxAttempts: try reader.int("stream.max_attempts", default: Stream.defaultMaxAttempts, in: 1...1_000),
            ingestWorkers: try reader.int("stream.ingest_workers", default: Stream.defaultIngestWorkers, in: 1...64),
            refreshWorkers: try reader.int("stream.refresh_workers", default: Stream.defaultRefreshWorkers, in: 1...16),
            refreshMaxAttempts: try reader.int("stream.refresh_max_attempts", default: 5, in: 1...1_000))

        if stream.refreshBatchMax < stream.refreshBatch {
            throw ConfigError(key: "stream.refresh_batch_max", message: "must be at least stream.refresh_batch (\(stream.refreshBatch))",
                              origin: reader.origin(of: "stream.refresh_batch_max"))
        }

        let suiteName = reader.string("models.suite", default: Models.Suite.blend.rawValue)
        guard let suite = Models.Suite(rawValue: suiteName) else {
            throw ConfigError(key: "models.suite", message: "must be one of \(Models.Suite.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(suiteName)\"",
                              origin: reader.origin(of: "models.suite"))
        }
        models = Models(
            suite: suite,
            seed: UInt64(try reader.int("models.seed", default: 42, in: 0...Int.max)),
            historyLength: try reader.int("models.history_length", default: 20, in: 1...1_000))

        candidates = Candidates(
            perUser: try reader.int("candidates.per_user", default: 100, in: 1...10_000),
            rerankPool: try reader.int("candidates.rerank_pool", default: 20, in: 1...200))

        llm = try Self.readLLM(&reader)
        profiles = Profiles(
            summary: try reader.choice("profiles.summary", default: SummarySource.template),
            summaryMaxCharacters: try reader.int("profiles.summary_max_chars", default: 400, in: 40...4_000))

        nightly = Nightly(
            keepRuns: try reader.int("nightly.keep_runs", default: 7, in: 1...1_000),
            batchSize: try reader.int("nightly.batch_size", default: 500, in: 1...100_000),
            batchPauseMilliseconds: try reader.int("nightly.batch_pause_ms", default: 0, in: 0...60_000),
            pruneBatchSize: try reader.int("nightly.prune_batch_size", default: 10_000, in: 100...1_000_000),
            resumeMaxAgeHours: try reader.int("nightly.resume_max_age_hours", default: 12, in: 1...720),
            llmMaxUsers: try reader.int("nightly.llm_max_users", default: 100, in: 0...10_000_000),
            llmMaxTokens: try reader.int("nightly.llm_max_tokens", default: 200_000, in: 0...Int.max),
            leaseSeconds: try reader.int("nightly.lease_seconds", default: 120, in: 3...86_400))

        publication = Publication(rowsPerUser: try reader.int("publication.rows_per_user", default: 10, in: 1...100))
        retention = Retention(
            interactionsDays: try reader.optionalInt("retention.interactions_days", in: 0...36_500),
            batchSize: try reader.int("retention.batch_size", default: 10_000, in: 100...1_000_000))
        modelInputs = try ModelInputs(reader: &reader)
        // The LLM reorders the pool and the published rows are its top; without the LLM the pool plays no part.
        if publishing, llm.enabled, candidates.rerankPool < publication.rowsPerUser {
            throw ConfigError(key: "candidates.rerank_pool", message: "must be at least publication.rows_per_user (\(publication.rowsPerUser))",
                              origin: reader.origin(of: "candidates.rerank_pool"))
        }
    }

    private static func readLLM(_ reader: inout ConfigReader) throws -> LLM {
        var llm = LLM(
            enabled: try reader.bool("llm.enabled", default: false),
            baseURL: try reader.url("llm.base_url", schemes: ["http", "https"]),
            model: reader.optionalString("llm.model"),
            apiKey: try reader.secret("llm.api_key", instead: "put the key in a file readable only by recworker and set llm.api_key_file, or set LLM_API_KEY"),
            apiKeyFile: reader.optionalString("llm.api_key_file"),
            requestsPerMinute: try reader.int("llm.requests_per_minute", default: 60, in: 1...1_000_000),
            tokensPerMinute: try reader.int("llm.tokens_per_minute", default: 100_000, in: 1...1_000_000_000),
            concurrency: try reader.int("llm.concurrency", default: 2, in: 1...256),
            timeoutSeconds: try reader.double("llm.timeout_seconds", default: 30, in: 0.1...600),
            maxAttempts: try reader.int("llm.max_attempts", default: 4, in: 1...20),
            maxRequests: try reader.optionalInt("llm.max_requests", in: 0...Int.max),
            maxTokens: try reader.optionalInt("llm.max_tokens", in: 0...Int.max),
            structuredOutput: try reader.choice("llm.structured_output", default: StructuredOutput.jsonSchema),
            pseudonymKey: try reader.secret("llm.pseudonym_key", instead: "set llm.pseudonym_key_file or LLM_PSEUDONYM_KEY"),
            pseudonymKeyFile: reader.optionalString("llm.pseudonym_key_file"),
            promptHistory: try reader.int("llm.prompt_history", default: 15, in: 0...1_000),
            reasonCharacters: try reader.int("llm.reason_chars", default: 80, in: 0...2_000),
            promptTokens: try reader.int("llm.prompt_tokens", default: 1_500, in: 100...1_000_000),
            bootstrapSamples: try reader.int("llm.bootstrap", default: 1, in: 1...20),
            cacheTTLSeconds: try reader.int("llm.cache_ttl_seconds", default: 86_400, in: 0...31_536_000),
            fusionWeight: try reader.double("llm.fusion_weight", default: 0.5, in: 0...1),
            includeDemographics: try reader.bool("llm.include_demographics", default: false))
        if let path = llm.apiKeyFile {
            llm.apiKey = try llm.apiKey ?? reader.secretFile(path, key: "llm.api_key_file")
        }
        if let path = llm.pseudonymKeyFile {
            llm.pseudonymKey = try llm.pseudonymKey ?? reader.secretFile(path, key: "llm.pseudonym_key_file")
        }
        if llm.enabled {
            if llm.baseURL == nil {
                throw ConfigError(key: "llm.base_url", message: "is required when llm.enabled is true (set it or LLM_BASE_URL)", origin: nil)
            }
            if llm.model?.isEmpty ?? true {
                throw ConfigError(key: "llm.model", message: "is required when llm.enabled is true (set it or LLM_MODEL)", origin: nil)
            }
        }
        return llm
    }

    private static func validateTopic(_ topic: String, key: String, origin: String?) throws {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !topic.isEmpty, topic.count <= 249, topic.unicodeScalars.allSatisfy(allowed.contains) else {
            throw ConfigError(key: key, message: "\"\(topic)\" is not a valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249)", origin: origin)
        }
    }
}
