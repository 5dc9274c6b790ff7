import Logging
import Pipeline
import PostgresClient
import Storage

/// The stream worker's in-memory candidate models: the blend loaded from `ModelStore` (or fitted from the
/// stored interactions when none is stored), kept current by feeding it every interaction committed since the
/// previous cycle exactly once (`InteractionFeed`). A restart rebuilds it from the database.
///
/// Owned by the `Refresher`, which serialises every use.
struct StreamModels: Sendable {
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
        guard !ratings.isEmpty else { return }
        guard models != nil else {
            // Nothing fitted yet (no data before, or every fit failed): fit on everything read so far.
            unfitted.append(contentsOf: ratings)
            if unfitted.count >= retryFitAt { tryFit(ratings: unfitted) }
            return
        }
        // In place: a copy of the set would duplicate every matrix per batch.
        models!.update(newInteractions: ratings)
        updatesSinceBase += 1
        if let growth = settings.refitGrowth, let data = models?.data,
           Double(data.interactionCount) >= Double(interactionsAtFit) * (1 + growth), data.interactionCount >= retryFitAt {
            tryFit(ratings: Self.ratings(of: data))
        }
    }

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
        tryFit(ratings: everything.ratings)
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

    /// Fits a new set; on failure keeps what serves now and waits for `retryGrowth` more data before trying again.
    private mutating func tryFit(ratings: [Rating]) {
        let started = ContinuousClock.now
        do {
            var fitted = try ModelSet.fit(ratings: ratings, items: items, users: users, blend: settings.blend,
                                          hyperparameters: settings.hyperparameters, accumulation: settings.accumulation)
            fitted.settings.limit = settings.candidateCount
            fitted.settings.diversity = DiversityReranker(lambda: settings.diversity)
            models = fitted
            unfitted = []
            interactionsAtFit = fitted.data.interactionCount
            retryFitAt = 0
            base = "fit\(interactionsAtFit)"
            updatesSinceBase = 0
            logger.info("fitted models", metadata: [
                "interactions": "\(interactionsAtFit)", "seconds": "\(started.secondsSince)",
            ])
        } catch {
            WorkerMetrics.modelFitFailures.increment()
            // Logged once per run of failures; the counter shows every one.
            if retryFitAt == 0 {
                logger.error("model fit failed, keeping \(models == nil ? "popularity candidates" : "the last good models"); retrying once the interactions grow by \(Int(Self.retryGrowth * 100)) %: \(error)")
            }
            retryFitAt = Int(Double(ratings.count) * (1 + Self.retryGrowth)) + 1
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
