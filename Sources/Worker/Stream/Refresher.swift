import Foundation
import Logging
import Pipeline
import PostgresClient
import Storage
import Synchronization

/// The publishing half of the stream worker: claims users the ingest transactions queued, brings the in-memory
/// models up to date with everything committed since the last cycle, regenerates the claimed users' candidates
/// (scored together), asks the reranker (within its budget), replaces their published rows and (when
/// configured) sends each user's list to the output topic. It never blocks ingestion: a slow or failing LLM
/// only delays rows, and failures fall back to the model's order.
///
/// Database work, scoring and refits block, so they run on `BlockingWork`'s threads; only the LLM calls run on
/// the cooperative pool. Leases are taken once the models are ready and extended while the claim is worked on.
/// A user whose refresh fails on its own is retried alone, recorded, and given up after `maxAttempts`.
/// One `RefreshService` loop drives it, and one more drives each further lane (`lane(connection:)`).
final class Refresher: Sendable {
    /// What every lane of a process shares (`lane(connection:)`): the models are fitted once and caught up by
    /// whichever lane claims next, and the LLM budget is the process's.
    private struct State {
        var llmCalls = 0
        var popularity: (model: PopularityModel, loadedAt: ContinuousClock.Instant)?
        /// nil when models are off: candidates are global popularity.
        var models: StreamModels?
    }

    private final class SharedState: Sendable {
        let state: Mutex<State>
        let phases = RefreshPhaseClock()
        init(_ state: State) { self.state = Mutex(state) }
    }

    /// Told which claims were just acknowledged: each user's rows cover every ingest transaction its claim's
    /// snapshot saw (the models' catch-up and the profile read came after the claim). Benchmarks measure freshness
    /// with it; keep it cheap.
    typealias AcknowledgementObserver = @Sendable (_ claims: [RefreshQueue.Claim]) -> Void

    /// One claim's work between the blocking preparation and the acknowledgement.
    private struct Prepared: Sendable {
        var claims: [RefreshQueue.Claim]
        var runID: Int
        var reranks: [(request: RerankRequest, source: RecommendationSource, version: String)]
        /// Template summaries of every claimed user; LLM-written ones replace them as reranks return.
        var summaries: [Int: WrittenSummary]
    }

    private let settings: RefreshSettings
    private let connection: PostgresConnection
    private let queue: RefreshQueue
    private let reranker: (any Reranker)?
    private let output: RefreshOutput?
    private let logger: Logger
    private let shared: SharedState
    private let claimSize: Mutex<ClaimSizer>
    /// Paces the lease extensions (tests pass a manual clock).
    private let clock: any Clock<Duration>
    private let acknowledged: AcknowledgementObserver?
    /// The ranking path the nightly job and `evaluate --rerank llm` share.
    private let rankingPipeline: RankingPipeline

    convenience init(settings: RefreshSettings, connection: PostgresConnection, reranker: (any Reranker)?, models: StreamModels?,
         output: RefreshOutput?, logger: Logger, clock: any Clock<Duration> = ContinuousClock(),
         acknowledged: AcknowledgementObserver? = nil) {
        self.init(settings: settings, connection: connection, reranker: reranker, shared: SharedState(State(models: models)),
                  output: output, logger: logger, clock: clock, acknowledged: acknowledged,
                  rankingPipeline: RankingPipeline(reranker: reranker) { _, error in
                      logger.warning("rerank failed for a user, publishing the model order: \(error)")
                  })
    }

    private init(settings: RefreshSettings, connection: PostgresConnection, reranker: (any Reranker)?, shared: SharedState,
                 output: RefreshOutput?, logger: Logger, clock: any Clock<Duration>, acknowledged: AcknowledgementObserver?,
                 rankingPipeline: RankingPipeline) {
        self.settings = settings
        self.connection = connection
        queue = RefreshQueue(connection: connection, owner: Self.ownerName())
        self.reranker = reranker
        self.shared = shared
        // Each claimed user is an LLM call with a reranker, and the claim is acknowledged when the last answers.
        claimSize = Mutex(ClaimSizer(
            base: settings.usersPerClaim, maximum: reranker == nil ? settings.maxUsersPerClaim : settings.usersPerClaim))
        self.output = output
        self.logger = logger
        self.clock = clock
        self.acknowledged = acknowledged
        self.rankingPipeline = rankingPipeline
    }

    /// A second lane of this refresher, driven by its own `RefreshService`: its own connection, lease owner and
    /// claim size; the models, the popularity cache and the LLM budget are this one's. While one lane writes a
    /// claim's rows (database time), the other scores the next claim (worker CPU): one lane left a core idle.
    func lane(connection: PostgresConnection) -> Refresher {
        Refresher(settings: settings, connection: connection, reranker: reranker, shared: shared, output: output, logger: logger,
                  clock: clock, acknowledged: acknowledged, rankingPipeline: rankingPipeline)
    }

    /// Refreshes one claim's worth of users; returns how many were handled (0 when the queue is empty).
    func refreshNextUsers() async throws -> Int {
        let claims = try await BlockingWork.run { [self] in
            // Ready before claiming: the first call loads or fits the models, which can outlast a lease. Later
            // claims catch up once, after the claim.
            if !(shared.state.withLock { $0.models?.isStarted ?? true }) { try catchUpModels() }
            let claims = try shared.phases.time(.claim) {
                try queue.claim(limit: claimSize.withLock { $0.next }, lease: settings.claimLease, maxWait: settings.maxWait)
            }
            claimSize.withLock { $0.record(claimed: claims.count) }
            // After the claim: every event that queued these users is committed, so the models see it.
            if !claims.isEmpty { try catchUpModels() }
            return claims
        }
        guard !claims.isEmpty else { return 0 }
        let started = ContinuousClock.now
        let leases = keepLeases(claims)
        defer { leases.cancel() }
        try await refreshIsolatingFailures(claims)
        WorkerMetrics.usersRefreshed.increment(by: claims.count)
        WorkerMetrics.refreshLatency.recordInterval(since: started)
        return claims.count
    }

    /// Wall seconds this refresher's lanes spent in each step of their refreshes so far, for `bench stream`.
    var phaseSeconds: [RefreshPhase: Double] { shared.phases.seconds }

    /// (user, item) pairs the in-memory models hold (0 with models off), for `bench soak`.
    var interactionsInMemory: Int { shared.state.withLock { $0.models?.interactionCount ?? 0 } }

    /// Bytes those pairs' arrays hold, spare capacity included, for `bench soak`.
    var interactionBytesReserved: Int { shared.state.withLock { $0.models?.interactionBytesReserved ?? 0 } }

    func pendingUsers() async throws -> Int { try await BlockingWork.run { [queue] in try queue.pendingCount() } }

    func reconnectIfNeeded() async {
        _ = try? await BlockingWork.run { [connection] in
            if !connection.isHealthy { try connection.reset() }
        }
    }

    // MARK: - one claim

    /// Refreshes the claim as a whole; when that fails for a reason other than an outage, once more user by
    /// user, so one user's bad data holds up only that user.
    private func refreshIsolatingFailures(_ claims: [RefreshQueue.Claim]) async throws {
        do {
            try await refresh(claims)
        } catch let error where Self.mayBeTheUsers(error) {
            guard claims.count > 1 else { return try await recordFailure(claims[0], error) }
            logger.warning("refreshing \(claims.count) users failed, retrying them one at a time: \(error)")
            var failures = [(claim: RefreshQueue.Claim, error: any Error)]()
            for claim in claims {
                do {
                    try await refresh([claim])
                } catch let error where Self.mayBeTheUsers(error) {
                    failures.append((claim, error))
                }
            }
            // Every user failing is the refresher's problem, not theirs: the leases run out and the claim is retried.
            if failures.count == claims.count { throw error }
            for failure in failures { try await recordFailure(failure.claim, failure.error) }
        }
    }

    private func refresh(_ claims: [RefreshQueue.Claim]) async throws {
        var prepared = try await BlockingWork.run { [self] in try prepare(claims) }
        if !prepared.reranks.isEmpty {
            try await shared.phases.time(.rerank) { try await rerankAndPublish(&prepared) }
        }
        try await BlockingWork.run { [prepared, self] in try finish(prepared) }
    }

    /// Asks the LLM for every user within the budget at once and publishes each user as its answer arrives; the
    /// LLM-written summaries replace the users' templates in `prepared`.
    private func rerankAndPublish(_ prepared: inout Prepared) async throws {
        let (pipeline, logger, runID) = (rankingPipeline, logger, prepared.runID)
        try await withThrowingTaskGroup(of: (UserRecommendations, SummaryOutcome?).self) { group in
            for entry in prepared.reranks {
                group.addTask {
                    let outcome = await pipeline.rank(entry.request, useLLM: true)
                    WorkerMetrics.rerankCalls(outcome: outcome.source == .llm ? "ok" : "failed").increment()
                    WorkerMetrics.explanations(source: .llm).increment(by: outcome.llmReasons)
                    WorkerMetrics.explanations(source: .template).increment(by: outcome.items.count - outcome.llmReasons)
                    return (UserRecommendations(userID: entry.request.userID, source: outcome.source, modelVersion: entry.version,
                                                items: outcome.items), outcome.summary)
                }
            }
            for try await (publication, summary) in group {
                try await BlockingWork.run { [self] in try publish([publication], runID: runID) }
                if let summary {
                    ConfiguredReranker.record(summary, userID: publication.userID, logger: logger)
                    prepared.summaries[publication.userID] = summary.summary
                }
            }
        }
    }

    /// Candidates for every claimed user, the users outside the LLM budget published at once, and the rerank
    /// requests for the others.
    private func prepare(_ claims: [RefreshQueue.Claim]) throws -> Prepared {
        let userIDs = claims.map(\.userID)
        let profileStore = ProfileStore(connection: connection)
        let (profiles, seen) = try shared.phases.time(.profiles) { try profileStore.profilesAndSeenItems(userIDs: userIDs) }
        let runID = try RecommendationStore(connection: connection).currentRunID()
        let (generated, modelVersion) = try shared.phases.time(.scoring) {
            let (fromModels, modelVersion) = shared.state.withLock { ($0.models?.candidates(forUsers: userIDs), $0.models?.version) }
            let generator = CandidateGenerator(limit: settings.candidateCount)
            let generated = try claims.map { claim in
                try generator.candidates(seen: seen[claim.userID] ?? [], fromModels: fromModels?[claim.userID], popularity: currentPopularity)
            }
            return (generated, modelVersion)
        }
        var prepared = Prepared(claims: claims, runID: runID, reranks: [], summaries: [:])
        let immediate = try shared.phases.time(.assemble) {
            try assemble(claims, generated, profiles: profiles, modelVersion: modelVersion, into: &prepared)
        }
        try publish(immediate, runID: runID)
        return prepared
    }

    /// The users' rerank requests (into `prepared`) and, for users outside the LLM budget, their lists in the
    /// model's order, returned to be published at once.
    private func assemble(_ claims: [RefreshQueue.Claim], _ generated: [(items: [ScoredItem], source: RecommendationSource)],
                          profiles: [Int: UserProfile], modelVersion: String?, into prepared: inout Prepared) throws -> [UserRecommendations] {
        // One catalogue lookup and one publication per claim: per-user round trips capped freshness.
        let items = try CatalogStore(connection: connection).items(ids: Array(Set(generated.flatMap { $0.items.map(\.itemID) })))
        var immediate = [UserRecommendations]()
        immediate.reserveCapacity(claims.count)
        for (claim, (scored, source)) in zip(claims, generated) {
            var profile = profiles[claim.userID] ?? UserProfile(userID: claim.userID)
            if !settings.llmSummaries { profile.writtenSummary = nil }
            let known = scored.lazy.compactMap { scoredItem in items[scoredItem.itemID].map { Candidate(item: $0, score: scoredItem.score) } }
            let reranked = !known.isEmpty && reserveLLMCall()
            // The model's order reads only the first `publishedCount`: a user who is not reranked gets no more built.
            let request = RerankRequest(userID: claim.userID, profile: profile,
                                        candidates: reranked ? Array(known) : Array(known.prefix(settings.publishedCount)),
                                        limit: settings.publishedCount, candidateSource: source)
            let version = source == .model ? modelVersion ?? settings.modelVersion : settings.modelVersion
            prepared.summaries[claim.userID] = WrittenSummary(
                text: ProfileSummary.text(for: profile, includeDemographics: settings.includeDemographics), source: .template, model: nil,
                basis: SummaryBasis(profile: profile), withDemographics: settings.includeDemographics)
            if reranked {
                prepared.reranks.append((request, source, version))
            } else {
                immediate.append(UserRecommendations(
                    userID: claim.userID, source: source, modelVersion: version, items: Grounding.modelOrder(request)))
            }
        }
        return immediate
    }

    private func finish(_ prepared: Prepared) throws {
        let now = Date().timeIntervalSince1970
        for claim in prepared.claims { WorkerMetrics.freshness.recordSeconds(now - claim.enqueuedAt) }
        try shared.phases.time(.summaries) { try ProfileStore(connection: connection).storeSummaries(prepared.summaries) }
        try shared.phases.time(.publish) { try output?.flush() }
        try shared.phases.time(.acknowledge) { try queue.acknowledge(prepared.claims) }
        acknowledged?(prepared.claims)
    }

    /// Counts an LLM call against this process's budget; false sends the user to the model's order.
    private func reserveLLMCall() -> Bool {
        guard reranker != nil else { return false }
        return shared.state.withLock { state in
            guard state.llmCalls < settings.maxLLMCalls ?? .max else { return false }
            state.llmCalls += 1
            return true
        }
    }

    /// Replaces the users' rows in one transaction, then announces them on the output topic (when configured).
    private func publish(_ publications: [UserRecommendations], runID: Int) throws {
        guard !publications.isEmpty else { return }
        try shared.phases.time(.publish) {
            try RecommendationStore(connection: connection).replace(publications, runID: runID)
            for publication in publications {
                try output?.send(RecommendationMessage(
                    userID: publication.userID, runID: runID, generatedAt: Date(), items: publication.items,
                    source: publication.source, modelVersion: publication.modelVersion))
            }
        }
    }

    // MARK: - leases and failures

    /// Extends the claim's leases every third of a lease until cancelled, so a claim waiting on the LLM for
    /// minutes is not taken over (and published twice) by another replica.
    private func keepLeases(_ claims: [RefreshQueue.Claim]) -> Task<Void, Never> {
        let (queue, lease, logger, clock) = (self.queue, settings.claimLease, self.logger, self.clock)
        return Task {
            while true {
                do {
                    try await clock.sleep(for: lease / 3)
                    let held = try await BlockingWork.run { try queue.extend(claims, lease: lease) }
                    if held.count < claims.count {
                        logger.debug("\(claims.count - held.count) claimed users were already acknowledged or taken over")
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("cannot extend refresh leases (they run out after \(lease)): \(error)")
                }
            }
        }
    }

    private func recordFailure(_ claim: RefreshQueue.Claim, _ error: any Error) async throws {
        let (queue, settings) = (self.queue, self.settings)
        let outcome = try await BlockingWork.run {
            try queue.recordFailure(claim, reason: "\(error)", maxAttempts: settings.maxAttempts, retryAfter: settings.claimLease)
        }
        WorkerMetrics.refreshFailures.increment()
        switch outcome {
        case .willRetry(let attempts):
            logger.warning("refreshing user \(claim.userID) failed (attempt \(attempts) of \(settings.maxAttempts)), retrying later: \(error)")
        case .gaveUp(let attempts):
            WorkerMetrics.refreshUsersSkipped.increment()
            logger.error("""
                refreshing user \(claim.userID) failed \(attempts) times, skipping the user until its next event \
                (see refresh_failures): \(error)
                """)
        }
    }

    /// A statement the server refused may be about one user's data; a lost connection, a Kafka failure or
    /// cancellation is about everyone and is retried as a whole.
    private static func mayBeTheUsers(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return !error.isTransient
    }

    // MARK: - state

    private func catchUpModels() throws {
        try shared.phases.time(.catchUp) { try shared.state.withLock { state in try state.models?.catchUp(connection) } }
    }

    /// Popularity changes slowly; reloading it every few seconds keeps a hot stream from re-reading it per batch.
    /// Only users the models cannot serve ask for it: with models on, a claim usually reads none.
    private func currentPopularity() throws -> PopularityModel {
        if let cached = shared.state.withLock({ $0.popularity }), ContinuousClock.now - cached.loadedAt < .seconds(5) { return cached.model }
        let model = PopularityModel(counts: try ProfileStore(connection: connection).itemPopularity())
        shared.state.withLock { $0.popularity = (model, .now) }
        return model
    }

    /// Unique per process, so replicas never mistake each other's leases for their own.
    private static func ownerName() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }
}

