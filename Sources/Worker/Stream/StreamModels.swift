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

    init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// The label published rows record: the blend's base and how many incremental batches were applied since,
    /// e.g. `blend-v3+12` or `blend-fit48213+12`. Nil until there are interactions to fit on.
    var version: String? { models == nil ? nil : "blend-\(base)+\(updatesSinceBase)" }

    /// (user, item) pairs held in memory.
    var interactionCount: Int { models?.data.interactionCount ?? 0 }

    /// Loads or fits the models on first use, then applies every interaction committed since the last call.
    mutating func catchUp(_ connection: PostgresConnection) throws {
        let feed = InteractionFeed(connection: connection)
        guard let position else {
            try start(feed.readAll(), connection: connection)
            return
        }
        let (next, ratings) = try feed.readNew(after: position)
        guard !ratings.isEmpty else {
            self.position = next
            return
        }
        guard models != nil else {
            // Nothing to fit on until now: fit on what arrived (the position moves only once it is applied).
            try fit(ratings: ratings)
            self.position = next
            return
        }
        // In place: a copy of the set would duplicate every matrix per batch.
        models!.update(newInteractions: ratings)
        self.position = next
        updatesSinceBase += 1
        if let growth = settings.refitGrowth, let data = models?.data,
           Double(data.interactionCount) >= Double(interactionsAtFit) * (1 + growth) {
            do {
                try fit(ratings: Self.ratings(of: data))
            } catch {
                logger.warning("refit failed, keeping the incrementally updated models: \(error)")
            }
        }
    }

    /// The users' candidates from the models (segment popularity for users without history), scored together;
    /// nil before there is any model.
    func candidates(forUsers userIDs: [Int]) -> [Int: (items: [ScoredItem], source: RecommendationSource)]? {
        models?.candidates(forUsers: userIDs)
    }

    private mutating func start(_ everything: InteractionFeed.Everything, connection: PostgresConnection) throws {
        items = everything.items
        users = everything.users
        guard !everything.ratings.isEmpty else {
            logger.info("no interactions stored yet: candidates are popularity until the first batch")
            position = everything.position
            return
        }
        // The position is taken only once the models hold everything read, so a failed start reads it all again.
        defer { if models != nil { position = everything.position } }
        let stored = try ModelStore(connection: connection).loadCurrent()
        if let version = stored.map(\.version).max() {
            do {
                var loaded = try ModelSet(snapshots: stored.map(\.snapshot), version: version, ratings: everything.ratings,
                                          items: items, users: users, blend: settings.blend)
                loaded.settings.limit = settings.candidateCount
                models = loaded
                base = "v\(version)"
                updatesSinceBase = 0
                interactionsAtFit = loaded.data.interactionCount
                logger.info("loaded stored models", metadata: ["version": "\(version)", "interactions": "\(everything.ratings.count)"])
                return
            } catch {
                logger.warning("cannot use the stored models, fitting from the stored interactions instead: \(error)")
            }
        }
        try fit(ratings: everything.ratings)
    }

    private mutating func fit(ratings: [Rating]) throws {
        let started = ContinuousClock.now
        var fitted = try ModelSet.fit(ratings: ratings, items: items, users: users, blend: settings.blend,
                                      hyperparameters: settings.hyperparameters)
        fitted.settings.limit = settings.candidateCount
        models = fitted
        interactionsAtFit = fitted.data.interactionCount
        base = "fit\(interactionsAtFit)"
        updatesSinceBase = 0
        logger.info("fitted models", metadata: [
            "interactions": "\(interactionsAtFit)", "seconds": "\(started.secondsSince)",
        ])
    }

    /// The current interaction matrix as ratings (for a refit: one per user-item pair, latest value).
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
