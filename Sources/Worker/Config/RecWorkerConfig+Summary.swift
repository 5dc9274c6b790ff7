import PostgresClient

extension RecWorkerConfig {
    /// The effective settings as `key = value` lines, one per key, secrets redacted: what `recworker config check` prints.
    var summary: [String] {
        let unset = "(not set)"
        let secret = { (value: String?) in value == nil ? unset : "(set, redacted)" }
        let limit = { (value: Int?) in value.map(String.init) ?? "0 (no limit)" }
        var lines: [(String, String)] = [
            ("database.url", database.url.map(PostgresConnection.redacted) ?? unset),
            ("kafka.brokers", kafka.brokers ?? unset),
            ("kafka.events_topic", kafka.eventsTopic),
            ("kafka.group", kafka.groupID),
            ("kafka.output.enabled", String(kafka.output.enabled)),
            ("kafka.output.topic", kafka.output.topic),
        ]
        lines += kafka.properties.sorted { $0.key < $1.key }.map { name, value in
            ("kafka.properties.\(name)", KafkaSecrets.isSecret(name) ? "(set, redacted)" : value)
        }
        lines += [
            ("stream.batch_size", String(stream.batchSize)),
            ("stream.max_wait_ms", String(stream.maxWaitMilliseconds)),
            ("stream.metrics_port", String(stream.metricsPort)),
            ("stream.metrics_host", stream.metricsHost),
            ("stream.refresh_batch", String(stream.refreshBatch)),
            ("stream.refresh_batch_max", String(stream.refreshBatchMax)),
            ("stream.refresh_lease_seconds", String(stream.refreshLeaseSeconds)),
            ("stream.models", String(stream.models)),
            ("stream.model_refit_growth", stream.modelRefitGrowth.map { String($0) } ?? "0 (never)"),
            ("stream.llm_max_calls", limit(stream.llmMaxCalls)),
            ("stream.event_earliest_timestamp", String(stream.eventEarliestTimestamp)),
            ("stream.event_max_future_seconds", String(stream.eventMaxFutureSeconds)),
            ("stream.max_attempts", String(stream.maxAttempts)),
            ("stream.ingest_workers", String(stream.ingestWorkers)),
            ("stream.refresh_workers", String(stream.refreshWorkers)),
            ("stream.refresh_max_attempts", String(stream.refreshMaxAttempts)),
            ("models.suite", models.suite.rawValue),
            ("models.seed", String(models.seed)),
            ("models.history_length", String(models.historyLength)),
            ("candidates.per_user", String(candidates.perUser)),
            ("candidates.rerank_pool", String(candidates.rerankPool)),
        ]
        lines += [
            ("llm.enabled", String(llm.enabled)),
            ("llm.base_url", llm.baseURL ?? unset),
            ("llm.model", llm.model ?? unset),
            ("llm.api_key", secret(llm.apiKey)),
            ("llm.api_key_file", llm.apiKeyFile ?? unset),
            ("llm.requests_per_minute", String(llm.requestsPerMinute)),
            ("llm.tokens_per_minute", String(llm.tokensPerMinute)),
            ("llm.concurrency", String(llm.concurrency)),
            ("llm.timeout_seconds", String(llm.timeoutSeconds)),
            ("llm.max_attempts", String(llm.maxAttempts)),
            ("llm.max_requests", limit(llm.maxRequests)),
            ("llm.max_tokens", limit(llm.maxTokens)),
            ("llm.structured_output", llm.structuredOutput.rawValue),
            ("llm.pseudonym_key", secret(llm.pseudonymKey)),
            ("llm.pseudonym_key_file", llm.pseudonymKeyFile ?? unset),
            ("llm.prompt_history", String(llm.promptHistory)),
            ("llm.reason_chars", String(llm.reasonCharacters)),
            ("llm.prompt_tokens", String(llm.promptTokens)),
            ("llm.bootstrap", String(llm.bootstrapSamples)),
            ("llm.cache_ttl_seconds", String(llm.cacheTTLSeconds)),
            ("llm.fusion_weight", String(llm.fusionWeight)),
            ("llm.include_demographics", String(llm.includeDemographics)),
            ("profiles.summary", profiles.summary.rawValue),
            ("profiles.summary_max_chars", String(profiles.summaryMaxCharacters)),
        ]
        lines += [
            ("nightly.keep_runs", String(nightly.keepRuns)),
            ("nightly.batch_size", String(nightly.batchSize)),
            ("nightly.batch_pause_ms", String(nightly.batchPauseMilliseconds)),
            ("nightly.prune_batch_size", String(nightly.pruneBatchSize)),
            ("nightly.resume_max_age_hours", String(nightly.resumeMaxAgeHours)),
            ("nightly.llm_max_users", String(nightly.llmMaxUsers)),
            ("nightly.llm_max_tokens", String(nightly.llmMaxTokens)),
            ("nightly.lease_seconds", String(nightly.leaseSeconds)),
            ("publication.rows_per_user", String(publication.rowsPerUser)),
            ("retention.interactions_days", retention.interactionsDays.map(String.init) ?? "0 (keep all)"),
            ("retention.batch_size", String(retention.batchSize)),
        ]
        lines += modelInputs.summary
        return lines.map { "\($0.0) = \($0.1)" }
    }
}
