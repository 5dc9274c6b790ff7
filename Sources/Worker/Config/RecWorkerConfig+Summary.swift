import PostgresClient

extension RecWorkerConfig {
    /// The effective settings as `key = value` lines, secrets redacted: what `recworker config check` prints.
    var summary: [String] {
        var lines: [(String, String)] = [
            ("database.url", PostgresConnection.redacted(database.url)),
            ("kafka.brokers", kafka.brokers ?? "(not set)"),
            ("kafka.events_topic", kafka.eventsTopic),
            ("kafka.group", kafka.groupID),
            ("kafka.output.enabled", String(kafka.output.enabled)),
            ("kafka.output.topic", kafka.output.topic),
            ("stream.batch_size", String(stream.batchSize)),
            ("stream.max_wait_ms", String(stream.maxWaitMilliseconds)),
            ("stream.metrics_port", String(stream.metricsPort)),
            ("models.suite", models.suite.rawValue),
            ("models.seed", String(models.seed)),
            ("models.history_length", String(models.historyLength)),
            ("candidates.per_user", String(candidates.perUser)),
            ("candidates.rerank_pool", String(candidates.rerankPool)),
            ("llm.enabled", String(llm.enabled)),
            ("llm.base_url", llm.baseURL ?? "(not set)"),
            ("llm.model", llm.model ?? "(not set)"),
            ("llm.api_key", llm.apiKey == nil ? "(not set)" : "(set, redacted)"),
        ]
        lines += [
            ("llm.api_key_file", llm.apiKeyFile ?? "(not set)"),
            ("llm.requests_per_minute", String(llm.requestsPerMinute)),
            ("llm.tokens_per_minute", String(llm.tokensPerMinute)),
            ("llm.concurrency", String(llm.concurrency)),
            ("llm.timeout_seconds", String(llm.timeoutSeconds)),
            ("llm.token_budget_per_hour", String(llm.tokenBudgetPerHour)),
            ("llm.cache_ttl_seconds", String(llm.cacheTTLSeconds)),
            ("llm.fusion_weight", String(llm.fusionWeight)),
            ("llm.include_demographics", String(llm.includeDemographics)),
            ("nightly.keep_runs", String(nightly.keepRuns)),
            ("nightly.batch_size", String(nightly.batchSize)),
            ("nightly.batch_pause_ms", String(nightly.batchPauseMilliseconds)),
            ("nightly.prune_batch_size", String(nightly.pruneBatchSize)),
            ("nightly.resume_max_age_hours", String(nightly.resumeMaxAgeHours)),
            ("nightly.llm_max_users", String(nightly.llmMaxUsers)),
            ("nightly.llm_max_tokens", String(nightly.llmMaxTokens)),
            ("publication.rows_per_user", String(publication.rowsPerUser)),
        ]
        lines += modelInputs.summary
        return lines.map { "\($0.0) = \($0.1)" }
    }
}
