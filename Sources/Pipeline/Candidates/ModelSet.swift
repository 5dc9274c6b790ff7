import LinearAlgebra

/// Everything candidate generation needs, kept in memory by the worker: the interaction data, the blended
/// models, segment popularity for cold users and content vectors for cold items.
///
/// - Nightly: `ModelSet.fit(…)`, `snapshots()` → `ModelStore.saveNewVersion`, `candidates(forUsers:)`.
/// - Stream worker: `ModelSet(snapshots:…)` once at start, then per batch `update(newInteractions:)` and
///   `candidates(forUsers:)` for the users it claimed.
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
        /// Reorders every list, model or segment popularity alike, by `DiversityReranker` (λ 0: off).
        public var diversity = DiversityReranker(lambda: 0)

        public init() {}
    }

    private let demographics: [Int: UserDemographics]
    private let genres: [Int: GenreSet]

    /// Fits every model the blend uses from scratch (the nightly retrain).
    /// - Parameters:
    ///   - ratings: ratings and implicit events mapped to weights (`EventWeights`); repeats of a pair combine by
    ///     `accumulation`.
    ///   - version: the version `ModelStore.saveNewVersion` will assign (or 0 for offline use).
    public static func fit(ratings: [Rating], items: [Item], users: [UserDemographics], version: Int = 0,
                           blend: CandidateBlend = .default, hyperparameters: ModelHyperparameters = .init(),
                           accumulation: InteractionAccumulation = .max) throws -> ModelSet {
        let data = InteractionData(ratings: ratings, catalogue: items.map(\.id), knownUsers: users.map(\.id), accumulation: accumulation)
        return ModelSet(data: data, blend: try blend.fit(data: data, hyperparameters: hyperparameters),
                        items: items, users: users, version: version)
    }

    /// Rebuilds the in-memory set from stored snapshots (`ModelStore.loadCurrent`) and the stored interactions.
    public init(snapshots: [ModelSnapshot], version: Int, ratings: [Rating], items: [Item], users: [UserDemographics],
                blend: CandidateBlend = .default, accumulation: InteractionAccumulation = .max) throws {
        let data = InteractionData(ratings: ratings, catalogue: items.map(\.id), knownUsers: users.map(\.id), accumulation: accumulation)
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

    /// A set over models already fitted on `data` (evaluation builds one around any blend).
    public init(data: InteractionData, blend: BlendedModel, items: [Item], users: [UserDemographics], version: Int) {
        self.data = data
        self.blend = blend
        content = ContentModel(items: items)
        segments = SegmentPopularity(data: data, users: users)
        demographics = Dictionary(users.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        genres = Dictionary(items.map { ($0.id, GenreSet($0.genres)) }, uniquingKeysWith: { _, last in last })
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
    /// content; users without history get their segment's popular items. Both are diversified by `settings.diversity`,
    /// so a new user sees a mix rather than only their segment's chart.
    public func candidates(forUser userID: Int) -> (items: [ScoredItem], source: RecommendationSource) {
        candidates(forUsers: [userID])[0]
    }

    /// `candidates(forUser:)` for many users, in order, the known ones scored in blocks across both cores: the one
    /// candidate path of the stream refresher and the nightly job.
    public func candidates(forUsers userIDs: [Int]) -> [(items: [ScoredItem], source: RecommendationSource)] {
        let known = userIDs.compactMap { id -> Int? in
            guard let user = data.users.index(of: id), data.userItems[user].count >= settings.minimumHistory else { return nil }
            return user
        }
        let lists = Dictionary(zip(known.map { data.users.id(at: $0) }, modelCandidates(known)), uniquingKeysWith: { first, _ in first })
        return userIDs.map { id in lists[id].map { ($0, .model) } ?? (coldStartCandidates(for: demographics[id]), .popular) }
    }

    /// Segment popularity for a user the models know nothing about, diversified (the cold-start path).
    public func coldStartCandidates(for user: UserDemographics?, excluding seen: Set<Int> = []) -> [ScoredItem] {
        diversified(segments.top(settings.limit, for: user, excluding: seen))
    }

    private func diversified(_ list: [ScoredItem]) -> [ScoredItem] {
        guard settings.diversity.isActive else { return list }
        return settings.diversity.rerank(list, limit: list.count, genres: { genres[$0] ?? GenreSet(bits: 0) }, popularity: { item in
            data.items.index(of: item).map { Double(data.itemUsers[$0].count) } ?? 0
        })
    }

    private func modelCandidates(_ users: [Int]) -> [[ScoredItem]] {
        guard !users.isEmpty else { return [] }
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
            diversified(result.row(slot).map { ScoredItem(itemID: data.items.id(at: Int($0.index)), score: Double($0.score)) })
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
