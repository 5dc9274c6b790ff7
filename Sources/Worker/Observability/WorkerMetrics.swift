import Metrics
import Pipeline

/// Every metric the worker exports (names follow Prometheus conventions; served on /metrics).
enum WorkerMetrics {
    static let eventsConsumed = Counter(label: "recworker_events_consumed_total")
    static let eventsApplied = Counter(label: "recworker_events_applied_total")
    static let duplicateEvents = Counter(label: "recworker_events_duplicate_total")
    static let deadLetters = Counter(label: "recworker_dead_letters_total")
    static let batches = Counter(label: "recworker_batches_total")
    static let batchLatency = Metrics.Timer(label: "recworker_batch_seconds", preferredDisplayUnit: .seconds)
    /// Events the database refused alone, found by splitting their batch, and dead-lettered.
    static let isolatedEvents = Counter(label: "recworker_isolated_events_total")
    /// Batches that had to be split to isolate refused events.
    static let isolatedBatches = Counter(label: "recworker_isolated_batches_total")
    /// Batches that failed for a reason that was neither transient nor one event's (retried one message at a time).
    static let batchFailures = Counter(label: "recworker_batch_failures_total")
    /// Messages dead-lettered after failing `maxAttempts` times (the crash-loop guard).
    static let poisonGiveUps = Counter(label: "recworker_poison_give_ups_total")
    /// Model fits that failed; the last good models (or popularity) keep serving.
    static let modelFitFailures = Counter(label: "recworker_model_fit_failures_total")
    static let fenceViolations = Counter(label: "recworker_offset_fence_violations_total")
    static let databaseOutages = Counter(label: "recworker_database_outages_total")
    /// Messages waiting past this process's offsets, after every batch and every empty poll.
    static let consumerLag = Gauge(label: "recworker_consumer_lag_messages")
    /// Times messages waited unreceived past `ConsumptionStallWatch`'s threshold while the polls came back empty.
    static let consumptionStalls = Counter(label: "recworker_consumption_stalls_total")
    static let usersRefreshed = Counter(label: "recworker_users_refreshed_total")
    static let refreshLatency = Metrics.Timer(label: "recworker_refresh_seconds", preferredDisplayUnit: .seconds)
    static let freshness = Metrics.Timer(label: "recworker_freshness_seconds", preferredDisplayUnit: .seconds)
    /// Refreshes that failed for one user (its claim-mates were published without it).
    static let refreshFailures = Counter(label: "recworker_refresh_failures_total")
    /// Users given up on after their last allowed attempt (listed in `refresh_failures`).
    static let refreshUsersSkipped = Counter(label: "recworker_refresh_users_skipped_total")

    /// Wall time of one step of a claim's refresh (`RefreshPhase`).
    static func refreshPhase(_ phase: RefreshPhase) -> Metrics.Timer {
        Metrics.Timer(label: "recworker_refresh_phase_seconds", dimensions: [("phase", phase.rawValue)], preferredDisplayUnit: .seconds)
    }

    static func rerankCalls(outcome: String) -> Counter {
        Counter(label: "recworker_rerank_calls_total", dimensions: [("outcome", outcome)])
    }

    /// LLM profile summaries asked for, by outcome: `llm` (stored and used), `refused` (degenerate, the template
    /// stands in), `failed` (no answer; the prompt used the template and the next refresh asks again).
    static func profileSummaries(outcome: String) -> Counter {
        Counter(label: "recworker_profile_summaries_total", dimensions: [("outcome", outcome)])
    }

    /// Rows of LLM-reranked lists by where their explanation text came from: the share with `source="llm"` is
    /// the share of LLM reasons the explanation gate kept.
    static func explanations(source: ExplanationSource) -> Counter {
        Counter(label: "recworker_llm_explanations_total", dimensions: [("source", source.rawValue)])
    }
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    func recordSeconds(_ seconds: Double) { recordNanoseconds(Int64(max(0, seconds) * 1_000_000_000)) }
}
