import Foundation
import Logging
import Pipeline
import PostgresClient
import Storage

/// The publishing half of the stream worker: claims users the ingest transactions queued, brings the in-memory
/// models up to date with everything committed since the last cycle, regenerates the claimed users' candidates,
/// asks the reranker (within its budget), replaces their published rows and (when configured) sends each
/// user's list to the output topic. It never blocks ingestion: a slow or failing LLM only delays rows, and
/// failures fall back to the model's order.
actor Refresher {
    private let settings: RefreshSettings
    private let connection: PostgresConnection
    private let reranker: (any Reranker)?
    private let logger: Logger
    private var llmCalls = 0
    private var popularity: (model: PopularityModel, loadedAt: ContinuousClock.Instant)?
    /// nil when models are off: candidates are global popularity.
    private var models: StreamModels?
    private let output: RefreshOutput?
    /// The ranking path the nightly job and `evaluate --rerank llm` share.
    private let rankingPipeline: RankingPipeline

    init(settings: RefreshSettings, connection: PostgresConnection, reranker: (any Reranker)?, models: StreamModels?,
         output: RefreshOutput?, logger: Logger) {
        self.settings = settings
        self.connection = connection
        self.reranker = reranker
        self.models = models
        self.output = output
        self.logger = logger
        rankingPipeline = RankingPipeline(reranker: reranker) { _, error in
            logger.warning("rerank failed for a user, publishing the model order: \(error)")
        }
    }

    /// Refreshes one claim's worth of users; returns how many were handled (0 when the queue is empty).
    func refreshNextUsers() async throws -> Int {
        let queue = RefreshQueue(connection: connection)
        let claims = try queue.claim(limit: settings.usersPerClaim, lease: settings.claimLease)
        guard !claims.isEmpty else { return 0 }
        let started = ContinuousClock.now
        let userIDs = claims.map(\.userID)
        // After the claim: every event that queued these users is committed, so the models see it.
        try models?.catchUp(connection)
        let profiles = try ProfileStore(connection: connection).profiles(userIDs: userIDs)
        let seen = try ProfileStore(connection: connection).seenItems(userIDs: userIDs)
        let popularity = try currentPopularity()
        let generator = CandidateGenerator(limit: settings.candidateCount)
        let store = RecommendationStore(connection: connection)
        let runID = try store.currentRunID()
        var summaries = [Int: String]()

        let generated = claims.map { claim in
            generator.candidates(
                seen: seen[claim.userID] ?? [], fromModels: models?.candidates(forUser: claim.userID), popularity: popularity)
        }
        // One catalogue lookup and one publication per claim: per-user round trips capped freshness.
        let items = try CatalogStore(connection: connection).items(ids: Array(Set(generated.flatMap { $0.0.map(\.itemID) })))
        var publications = [UserRecommendations]()
        publications.reserveCapacity(claims.count)
        var llmRequests = [(request: RerankRequest, source: RecommendationSource, version: String)]()
        for (claim, (scored, source)) in zip(claims, generated) {
            let profile = profiles[claim.userID] ?? UserProfile(userID: claim.userID)
            let candidates = scored.compactMap { scoredItem in items[scoredItem.itemID].map { Candidate(item: $0, score: scoredItem.score) } }
            let request = RerankRequest(userID: claim.userID, profile: profile, candidates: candidates, limit: settings.publishedCount,
                                        candidateSource: source)
            let version = source == .model ? models?.version ?? settings.modelVersion : settings.modelVersion
            summaries[claim.userID] = ProfileSummary.text(for: profile, includeDemographics: settings.includeDemographics)
            if reserveLLMCall(for: request) {
                llmRequests.append((request, source, version))
            } else {
                publications.append(UserRecommendations(
                    userID: claim.userID, source: source, modelVersion: version, items: Grounding.modelOrder(request)))
            }
        }
        // Users outside the LLM budget are published at once; reranked ones as each answer arrives. The
        // reranker's own gateway caps calls in flight, so the group can start them all.
        try publish(&publications, runID: runID, store: store)
        if !llmRequests.isEmpty {
            let pipeline = rankingPipeline
            try await withThrowingTaskGroup(of: UserRecommendations.self) { group in
                for entry in llmRequests {
                    group.addTask {
                        let outcome = await pipeline.rank(entry.request, useLLM: true)
                        WorkerMetrics.rerankCalls(outcome: outcome.source == .llm ? "ok" : "failed").increment()
                        WorkerMetrics.explanations(source: .llm).increment(by: outcome.llmReasons)
                        WorkerMetrics.explanations(source: .template).increment(by: outcome.items.count - outcome.llmReasons)
                        return UserRecommendations(userID: entry.request.userID, source: outcome.source, modelVersion: entry.version,
                                                   items: outcome.items)
                    }
                }
                for try await publication in group {
                    publications.append(publication)
                    try publish(&publications, runID: runID, store: store)
                }
            }
        }
        let now = Date().timeIntervalSince1970
        for claim in claims { WorkerMetrics.freshness.recordSeconds(now - claim.enqueuedAt) }
        try ProfileStore(connection: connection).storeSummaries(summaries)
        try output?.flush()
        try queue.acknowledge(claims)
        WorkerMetrics.usersRefreshed.increment(by: claims.count)
        WorkerMetrics.refreshLatency.recordInterval(since: started)
        return claims.count
    }

    /// Counts an LLM call against this process's budget; false sends the user to the model's order.
    private func reserveLLMCall(for request: RerankRequest) -> Bool {
        guard reranker != nil, !request.candidates.isEmpty, llmCalls < settings.maxLLMCalls ?? .max else { return false }
        llmCalls += 1
        return true
    }

    /// Replaces the users' rows in one transaction, then announces them on the output topic (when configured).
    private func publish(_ publications: inout [UserRecommendations], runID: Int, store: RecommendationStore) throws {
        guard !publications.isEmpty else { return }
        try store.replace(publications, runID: runID)
        for publication in publications {
            try output?.send(RecommendationMessage(
                userID: publication.userID, runID: runID, generatedAt: Date(), items: publication.items,
                source: publication.source, modelVersion: publication.modelVersion))
        }
        publications.removeAll(keepingCapacity: true)
    }

    func pendingUsers() throws -> Int { try RefreshQueue(connection: connection).pendingCount() }

    func reconnectIfNeeded() {
        if !connection.isHealthy { try? connection.reset() }
    }

    /// Popularity changes slowly; reloading it every few seconds keeps a hot stream from re-reading it per batch.
    private func currentPopularity() throws -> PopularityModel {
        if let popularity, ContinuousClock.now - popularity.loadedAt < .seconds(5) { return popularity.model }
        let model = PopularityModel(counts: try ProfileStore(connection: connection).itemPopularity())
        popularity = (model, .now)
        return model
    }
}
