import LinearAlgebra

/// Everything candidate generation needs, kept in memory by the worker: the interaction data, the blended
/// models, segment popularity for cold users and content vectors for cold items.
///
/// - Nightly: `ModelSet.fit(…)`, `snapshots()` → `ModelStore.saveNewVersion`, `candidatesForAllUsers()`.
/// - Stream worker: `ModelSet(snapshots:…)` once at start, then per batch `update(newInteractions:)` and
///   `candidates(forUser:)` for the users it returns.
public struct ModelSet: Sendable {
    public private(set) var data: InteractionData
    public private(set) var blend: BlendedModel
    public private(set) var content: ContentModel
    public private(set) var segments: SegmentPopularity
    public let version: Int
    public var settings: Settings

    public struct Settings: Sendable, Hashable {
        /// Candidates per user.
        public var limit = 100
        /// Users with fewer interactions than this get segment popularity instead of the blend.
        public var minimumHistory = 1
        /// Items with fewer interactions than this are scored by content similarity instead of the blend.
        public var coldItemInteractions = 3
        /// Weight of the (standardised) content score for cold items relative to the blend's scale.
        public var coldItemWeight: Float = 1

        public init() {}
    }

    private let demographics: [Int: UserDemographics]

    /// Fits every model the blend uses from scratch (the nightly retrain).
    /// - Parameters:
    ///   - ratings: ratings and implicit events mapped to weights, one per (user, item).
    ///   - version: the version `ModelStore.saveNewVersion` will assign (or 0 for offline use).
    public static func fit(ratings: [Rating], items: [Item], users: [UserDemographics], version: Int = 0,
                           blend: CandidateBlend = .default, hyperparameters: ModelHyperparameters = .init()) throws -> ModelSet {
        let data = InteractionData(ratings: ratings, catalogue: items.map(\.id), knownUsers: users.map(\.id))
        return ModelSet(data: data, blend: try blend.fit(data: data, hyperparameters: hyperparameters),
                        items: items, users: users, version: version)
    }

    /// Rebuilds the in-memory set from stored snapshots (`ModelStore.loadCurrent`) and the stored interactions.
    public init(snapshots: [ModelSnapshot], version: Int, ratings: [Rating], items: [Item], users: [UserDemographics],
                blend: CandidateBlend = .default) throws {
        let data = InteractionData(ratings: ratings, catalogue: items.map(\.id), knownUsers: users.map(\.id))
        let models: [any RecommenderModel] = try snapshots.filter { blend.weights[$0.kind] != nil }.map { snapshot in
            switch snapshot.kind {
            case .popularity: return try PopularityModel(snapshot: snapshot)
            case .itemKNN: return try ItemKNNModel(snapshot: snapshot, data: data)
            case .ease: return try EASEModel(snapshot: snapshot, data: data)
            case .als: return try ALSModel(snapshot: snapshot, data: data)
            case .bpr: return try BPRModel(snapshot: snapshot, data: data)
            case .biasedMF: return try BiasedMFModel(snapshot: snapshot, data: data)
            case .content: return ContentModel(items: items)
            }
        }
        let missing = Set(blend.kinds).subtracting(models.map(\.kind))
        guard missing.isEmpty else { throw ModelSetError.missingModels(missing.map(\.rawValue).sorted()) }
        self.init(data: data, blend: blend.combine(models), items: items, users: users, version: version)
    }

    init(data: InteractionData, blend: BlendedModel, items: [Item], users: [UserDemographics], version: Int) {
        self.data = data
        self.blend = blend
        content = ContentModel(items: items)
        segments = SegmentPopularity(data: data, users: users)
        demographics = Dictionary(users.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.version = version
        settings = Settings()
    }

    /// What `ModelStore.saveNewVersion` stores.
    public func snapshots() -> [ModelSnapshot] { blend.components.map { $0.model.snapshot(data: data) } }

    /// Appends a batch of interactions and updates every model incrementally (fold-in, bounded SGD,
    /// neighbour counts). Returns the external ids of the users whose candidates changed.
    @discardableResult
    public mutating func update(newInteractions: [Rating]) -> [Int] {
        let touched = data.add(newInteractions)
        guard !touched.isEmpty else { return [] }
        blend.update(data: data, touched: touched)
        return touched.users.map { data.users.id(at: $0) }
    }

    /// Top-N candidates for one user: the blend over items they have not seen, with cold items scored by
    /// content; users without history get their segment's popular items.
    public func candidates(forUser userID: Int) -> (items: [ScoredItem], source: RecommendationSource) {
        guard let user = data.users.index(of: userID), data.userItems[user].count >= settings.minimumHistory else {
            return (segments.top(settings.limit, for: demographics[userID], excluding: []), .popular)
        }
        return (candidates(forIndices: [user])[0], .model)
    }

    /// Top-N candidates for many users at once (the stream refresher's claim): the users with enough history are
    /// scored together, one matrix product per block instead of one per user; the rest get segment popularity.
    public func candidates(forUsers userIDs: [Int]) -> [Int: (items: [ScoredItem], source: RecommendationSource)] {
        var result = [Int: (items: [ScoredItem], source: RecommendationSource)](minimumCapacity: userIDs.count)
        var warm = [(id: Int, index: Int)]()
        for userID in Set(userIDs) {
            if let user = data.users.index(of: userID), data.userItems[user].count >= settings.minimumHistory {
                warm.append((userID, user))
            } else {
                result[userID] = (segments.top(settings.limit, for: demographics[userID], excluding: []), .popular)
            }
        }
        guard !warm.isEmpty else { return result }
        for (user, items) in zip(warm, candidates(forIndices: warm.map(\.index))) { result[user.id] = (items, .model) }
        return result
    }

    /// Top-N candidates for every user with enough history, scored in blocks across both cores
    /// (the nightly job). Users below `minimumHistory` are left to `candidates(forUser:)`.
    public func candidatesForAllUsers() -> [Int: [ScoredItem]] {
        let users = (0..<data.userCount).filter { data.userItems[$0].count >= settings.minimumHistory }
        let lists = candidates(forIndices: users)
        return Dictionary(uniqueKeysWithValues: zip(users.map { data.users.id(at: $0) }, lists))
    }

    private func candidates(forIndices users: [Int]) -> [[ScoredItem]] {
        let cold = (0..<data.itemCount).filter { data.itemUsers[$0].count < settings.coldItemInteractions }
        let result = BlockedTopK.run(rows: users.count, columns: data.itemCount, k: settings.limit, blockRows: 512) { range, block in
            let blockUsers = Array(users[range])
            blend.score(users: blockUsers, data: data, into: &block)
            if !cold.isEmpty { overrideColdItems(cold, users: blockUsers, block: &block) }
            for (slot, user) in blockUsers.enumerated() {
                for item in data.userItems[user] { block[slot * data.itemCount + Int(item)] = -.infinity }
            }
        }
        return users.indices.map { slot in
            result.row(slot).map { ScoredItem(itemID: data.items.id(at: Int($0.index)), score: Double($0.score)) }
        }
    }

    /// Collaborative scores mean nothing for items almost nobody has touched: use their standardised
    /// content similarity instead, so a new item matching the user's genres can enter the list.
    private func overrideColdItems(_ cold: [Int], users: [Int], block: inout [Float]) {
        var contentScores = [Float]()
        content.score(users: users, data: data, into: &contentScores)
        let columns = data.itemCount
        for slot in users.indices {
            let (mean, deviation) = BlendedModel.moments(contentScores[slot * columns ..< (slot + 1) * columns])
            guard deviation > 0 else { continue }
            for item in cold {
                block[slot * columns + item] = settings.coldItemWeight * (contentScores[slot * columns + item] - mean) / deviation
            }
        }
    }
}

public enum ModelSetError: Error, CustomStringConvertible {
    case missingModels([String])

    public var description: String {
        switch self {
        case .missingModels(let kinds):
            return "no current stored model for \(kinds.joined(separator: ", ")): run the nightly retrain to save one"
        }
    }
}
