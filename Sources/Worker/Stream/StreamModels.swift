import Foundation
import Logging
import Pipeline
import PostgresClient
import Storage
import Synchronization

/// The stream worker's in-memory candidate models: the blend loaded from `ModelStore` (or fitted from the
/// stored interactions when none is stored), kept current by feeding it every interaction committed since the
/// previous cycle exactly once (`InteractionFeed`). A restart rebuilds it from the database.
///
/// Owned by the `Refresher`, which serialises every use. Refits run off that lock (`Settings.runFit`): a refit
/// takes seconds to minutes, and every refresh lane waited on it. The current models serve meanwhile, and the
/// interactions read while a refit runs are applied to both sets, so the refitted one is adopted as current as the
/// one it replaces. The first fit still runs in `catchUp`: with no model yet, the claim waiting on it is better
/// served by it than by popularity.
struct StreamModels: Sendable {
    /// Runs a fit away from the caller; the fit stores its outcome, and a later `catchUp` adopts it.
    typealias FitRunner = @Sendable (_ fit: @escaping @Sendable () -> Void) -> Void

    /// A thread of the fit's own: the blocking pool's threads serve the refresh lanes, which must keep going.
    static let fitOnItsOwnThread: FitRunner = { fit in Thread.detachNewThread(fit) }

    struct Settings: Sendable {
        /// Candidates per user.
        var candidateCount: Int
        /// Refit from scratch once the interactions have grown by this fraction since the last fit (new items
        /// join EASE only at a fit; incremental updates drift); nil: never, only incremental updates.
        var refitGrowth: Double?
        var blend: CandidateBlend = .default
        var hyperparameters = ModelHyperparameters()
        var eventWeights = EventWeights.default
        var accumulation = InteractionAccumulation.max
        /// λ of the diversity rerank (`ranking.diversity`; 0 off).
        var diversity = 0.0
        var runFit: FitRunner = StreamModels.fitOnItsOwnThread
    }

    /// A refit started by `catchUp`: where its outcome lands, and what was read since its data was taken.
    private struct RunningFit: Sendable {
        let outcome: FitOutcome
        /// Interactions the fit was given (the retry bound after a failure grows from it).
        let ratingCount: Int
        /// Read after the fit's data was taken: applied to the fitted set when it is adopted.
        var readSince: [Rating] = []
    }

    private let settings: Settings
    private let logger: Logger
    private var models: ModelSet?
    private var position: InteractionFeed.Position?
    private var items: [Item] = []
    private var users: [UserDemographics] = []
    /// What `version` names: "v<N>" for a stored version, "fit<N>" for a fit on N interactions in this process.
    private var base = ""
    private var updatesSinceBase = 0
    private var interactionsAtFit = 0
    /// Everything read while no model serves (before the first successful fit).
    private var unfitted: [Rating] = []
    /// After a failed fit: the interaction count at which to try again (0: no failure pending).
    private var retryFitAt = 0
    private var runningFit: RunningFit?
    private static let retryGrowth = 0.1
    /// Wall seconds of each step of the first `catchUp` (read the interactions, read the stored models, build the
    /// set on them), for the start-up benchmark and the log.
    private(set) var startupPhases: [(name: String, seconds: Double)] = []

    init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// The label published rows record: the blend's base and how many incremental batches were applied since,
    /// e.g. `blend-v3+12` or `blend-fit48213+12`. Nil until there are interactions to fit on.
    var version: String? { models == nil ? nil : "blend-\(base)+\(updatesSinceBase)" }

    /// (user, item) pairs held in memory.
    var interactionCount: Int { models?.data.interactionCount ?? 0 }

    /// Bytes the in-memory pair arrays hold, spare capacity included.
    var interactionBytesReserved: Int { models?.data.reservedBytes ?? 0 }

    /// Whether the first `catchUp` (the load or fit) has run.
    var isStarted: Bool { position != nil }

    /// The interaction matrix the models serve from (nil before any model).
    var interactions: InteractionData? { models?.data }

    /// Loads or fits the models on first use, then applies every interaction committed since the last call.
    /// Only database errors escape: a fit that fails keeps the last good models (or popularity before the first),
    /// is counted and logged once, and is tried again when the data has grown, so no refresh is held up by it.
    mutating func catchUp(_ connection: PostgresConnection) throws {
        let feed = InteractionFeed(connection: connection, weights: settings.eventWeights)
        guard let position else {
            let storedStarted = ContinuousClock.now
            let store = ModelStore(connection: connection)
            let stored = try store.loadCurrent()
            startupPhases = [("read_stored_models", storedStarted.secondsSince)]
            if let version = stored.map(\.version).max() {
                let matrixStarted = ContinuousClock.now
                if let matrix = try store.loadMatrix(version: version) {
                    let catalogue = try feed.readCatalogue()
                    startupPhases.append(("read_matrix", matrixStarted.secondsSince))
                    if start(matrix, stored: stored, version: version, items: catalogue.items, users: catalogue.users) {
                        let catchUpStarted = ContinuousClock.now
                        try catchUp(connection)
                        startupPhases.append(("catch_up", catchUpStarted.secondsSince))
                        return
                    }
                }
            }
            let readStarted = ContinuousClock.now
            let everything = try feed.readAll()
            startupPhases.append(("read_interactions", readStarted.secondsSince))
            start(everything, stored: stored)
            return
        }
        let (next, ratings) = try feed.readNew(after: position)
        self.position = next
        adoptFinishedFit()
        if !ratings.isEmpty {
            runningFit?.readSince.append(contentsOf: ratings)
            if models == nil {
                unfitted.append(contentsOf: ratings)
            } else {
                // In place: a copy of the set would duplicate every matrix per batch.
                models!.update(newInteractions: ratings)
                updatesSinceBase += 1
            }
        }
        if models == nil {
            // Nothing fitted yet (no data before, or every fit failed): fit on everything read so far, before this
            // claim is scored. Serving popularity meanwhile would leave the claimed users with it until their next event.
            guard !ratings.isEmpty, unfitted.count >= retryFitAt else { return }
            fitNow(ratings: unfitted)
        } else if runningFit == nil, let growth = settings.refitGrowth, let data = models?.data,
                  Double(data.interactionCount) >= Double(interactionsAtFit) * (1 + growth), data.interactionCount >= retryFitAt {
            startRefit(ratings: Self.ratings(of: data))
        }
    }

    /// Whether a refit started by `catchUp` has not been adopted yet.
    var isRefitting: Bool { runningFit != nil }

    /// The users' candidates from the models (segment popularity for users without history), scored together;
    /// nil before there is any model.
    func candidates(forUsers userIDs: [Int]) -> [Int: (items: [ScoredItem], source: RecommendationSource)]? {
        guard let models else { return nil }
        return Dictionary(zip(userIDs, models.candidates(forUsers: userIDs)), uniquingKeysWith: { first, _ in first })
    }

    /// Starts on the matrix saved with the current models (what they were fitted on, as of the nightly run's
    /// snapshot); the caller then reads what committed since that snapshot, so the data is exactly what is stored
    /// now, as if the worker had run since the nightly job. False when the models cannot be built on it.
    private mutating func start(_ matrix: StoredInteractionMatrix, stored: [(version: Int, snapshot: ModelSnapshot)], version: Int,
                                items: [Item], users: [UserDemographics]) -> Bool {
        self.items = items
        self.users = users
        let buildStarted = ContinuousClock.now
        defer { startupPhases.append(("build_models", buildStarted.secondsSince)) }
        guard use(stored, version: version, ratings: matrix.ratings) else { return false }
        position = InteractionFeed.Position(snapshot: matrix.snapshot)
        logger.info("loaded stored models with their interaction matrix", metadata: [
            "version": "\(version)", "pairs": "\(matrix.pairCount)", "catching_up_from": "\(matrix.snapshot)",
        ])
        return true
    }

    private mutating func start(_ everything: InteractionFeed.Everything, stored: [(version: Int, snapshot: ModelSnapshot)]) {
        items = everything.items
        users = everything.users
        position = everything.position
        guard !everything.ratings.isEmpty else {
            logger.info("no interactions stored yet: candidates are popularity until the first batch")
            return
        }
        if let version = stored.map(\.version).max() {
            let buildStarted = ContinuousClock.now
            defer { startupPhases.append(("build_models", buildStarted.secondsSince)) }
            if use(stored, version: version, ratings: everything.ratings) {
                logger.info("loaded stored models", metadata: ["version": "\(version)", "interactions": "\(everything.ratings.count)"])
                return
            }
        }
        unfitted = everything.ratings
        fitNow(ratings: everything.ratings)
    }

    /// Builds the set on stored snapshots; false (logged) when they do not fit the data or the blend.
    private mutating func use(_ stored: [(version: Int, snapshot: ModelSnapshot)], version: Int, ratings: [Rating]) -> Bool {
        do {
            var loaded = try ModelSet(snapshots: stored.map(\.snapshot), version: version, ratings: ratings,
                                      items: items, users: users, blend: settings.blend, accumulation: settings.accumulation)
            loaded.settings.limit = settings.candidateCount
            loaded.settings.diversity = DiversityReranker(lambda: settings.diversity)
            models = loaded
            base = "v\(version)"
            updatesSinceBase = 0
            interactionsAtFit = loaded.data.interactionCount
            return true
        } catch {
            logger.warning("cannot use the stored models, fitting from the stored interactions instead: \(error)")
            return false
        }
    }

    /// Hands a refit to `settings.runFit`; a runner that fits before returning has it adopted at once.
    private mutating func startRefit(ratings: [Rating]) {
        let outcome = FitOutcome()
        let fit = fitter()
        settings.runFit { outcome.store(Result { try fit(ratings) }) }
        runningFit = RunningFit(outcome: outcome, ratingCount: ratings.count)
        adoptFinishedFit()
    }

    /// Fits while no model serves: nothing to keep serving meanwhile.
    private mutating func fitNow(ratings: [Rating]) {
        adopt(Result { try fitter()(ratings) }, ratingCount: ratings.count, readSince: [])
    }

    private mutating func adoptFinishedFit() {
        guard let running = runningFit, let result = running.outcome.result else { return }
        runningFit = nil
        adopt(result, ratingCount: running.ratingCount, readSince: running.readSince)
    }

    /// What a fit needs, taken now: it runs on another thread while `self` moves on.
    private func fitter() -> @Sendable ([Rating]) throws -> (set: ModelSet, seconds: Double) {
        let (settings, items, users) = (self.settings, self.items, self.users)
        return { ratings in
            let started = ContinuousClock.now
            var fitted = try ModelSet.fit(ratings: ratings, items: items, users: users, blend: settings.blend,
                                          hyperparameters: settings.hyperparameters, accumulation: settings.accumulation)
            fitted.settings.limit = settings.candidateCount
            fitted.settings.diversity = DiversityReranker(lambda: settings.diversity)
            return (fitted, started.secondsSince)
        }
    }

    /// Serves a fitted set (with what was read while it fitted applied); on failure keeps what serves now and waits
    /// for `retryGrowth` more data before trying again.
    private mutating func adopt(_ result: Result<(set: ModelSet, seconds: Double), any Error>, ratingCount: Int, readSince: [Rating]) {
        switch result {
        case .success(var fitted):
            interactionsAtFit = fitted.set.data.interactionCount
            base = "fit\(interactionsAtFit)"
            updatesSinceBase = 0
            if !readSince.isEmpty {
                fitted.set.update(newInteractions: readSince)
                updatesSinceBase = 1
            }
            models = fitted.set
            unfitted = []
            retryFitAt = 0
            logger.info("fitted models", metadata: [
                "interactions": "\(interactionsAtFit)", "seconds": "\(fitted.seconds)", "applied_since": "\(readSince.count)",
            ])
        case .failure(let error):
            WorkerMetrics.modelFitFailures.increment()
            // Logged once per run of failures; the counter shows every one.
            if retryFitAt == 0 {
                logger.error("model fit failed, keeping \(models == nil ? "popularity candidates" : "the last good models"); retrying once the interactions grow by \(Int(Self.retryGrowth * 100)) %: \(error)")
            }
            retryFitAt = Int(Double(ratingCount) * (1 + Self.retryGrowth)) + 1
        }
    }

    /// The current interaction matrix as ratings (for a refit: one per user-item pair, already accumulated).
    private static func ratings(of data: InteractionData) -> [Rating] {
        var ratings = [Rating]()
        ratings.reserveCapacity(data.interactionCount)
        for user in 0..<data.userCount {
            let userID = data.users.id(at: user)
            for (item, value) in zip(data.userItems[user], data.userValues[user]) {
                ratings.append(Rating(userID: userID, itemID: data.items.id(at: Int(item)), value: value, timestamp: 0))
            }
        }
        return ratings
    }
}

/// Where a fit running on another thread leaves its outcome for the next `catchUp`.
private final class FitOutcome: Sendable {
    private let stored = Mutex<Result<(set: ModelSet, seconds: Double), any Error>?>(nil)

    var result: Result<(set: ModelSet, seconds: Double), any Error>? { stored.withLock { $0 } }

    func store(_ result: Result<(set: ModelSet, seconds: Double), any Error>) { stored.withLock { $0 = result } }
}
