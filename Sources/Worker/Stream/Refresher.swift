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

    init(settings: RefreshSettings, connection: PostgresConnection, reranker: (any Reranker)?, models: StreamModels?,
         output: RefreshOutput?, logger: Logger) {
        self.settings = settings
        self.connection = connection
        self.reranker = reranker
        self.models = models
        self.output = output
        self.logger = logger
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

        for claim in claims {
            let profile = profiles[claim.userID] ?? UserProfile(userID: claim.userID)
            let (scored, source) = generator.candidates(
                seen: seen[claim.userID] ?? [], fromModels: models?.candidates(forUser: claim.userID), popularity: popularity)
            let items = try CatalogStore(connection: connection).items(ids: scored.map(\.itemID))
            let candidates = scored.compactMap { scoredItem in items[scoredItem.itemID].map { Candidate(item: $0, score: scoredItem.score) } }
            let request = RerankRequest(userID: claim.userID, profile: profile, candidates: candidates, limit: settings.publishedCount)
            let (rows, rowSource) = await rerank(request, fallbackSource: source)
            let rowVersion = source == .model ? models?.version ?? settings.modelVersion : settings.modelVersion
            try store.replace(userID: claim.userID, runID: runID, items: rows, source: rowSource, modelVersion: rowVersion)
            try output?.send(RecommendationMessage(userID: claim.userID, runID: runID, generatedAt: Date(), items: rows,
                                                   source: rowSource, modelVersion: rowVersion))
            summaries[claim.userID] = ProfileSummary.text(for: profile, includeDemographics: settings.includeDemographics)
            WorkerMetrics.freshness.recordSeconds(Date().timeIntervalSince1970 - claim.enqueuedAt)
        }
        try ProfileStore(connection: connection).storeSummaries(summaries)
        try output?.flush()
        try queue.acknowledge(claims)
        WorkerMetrics.usersRefreshed.increment(by: claims.count)
        WorkerMetrics.refreshLatency.recordInterval(since: started)
        return claims.count
    }

    private func rerank(_ request: RerankRequest, fallbackSource: RecommendationSource) async -> ([RankedItem], RecommendationSource) {
        guard let reranker, !request.candidates.isEmpty, llmCalls < settings.maxLLMCalls ?? .max else {
            return (Grounding.modelOrder(request), fallbackSource)
        }
        llmCalls += 1
        do {
            let result = try await reranker.rerank(request)
            WorkerMetrics.rerankCalls(outcome: "ok").increment()
            return (result.items, result.source)
        } catch {
            WorkerMetrics.rerankCalls(outcome: "failed").increment()
            logger.warning("rerank failed for a user, publishing the model order: \(error)")
            return (Grounding.modelOrder(request), fallbackSource)
        }
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
