import LinearAlgebra

/// Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky 2008), each
/// row solved approximately by a few conjugate-gradient steps warm-started from its previous value
/// (Takács et al. 2011, as in benfred/implicit). Every interaction is a positive with confidence
/// `1 + alpha·w` (w = 1 for binarised data, the stored value otherwise).
public struct ALSModel: RecommenderModel {
    public struct Configuration: Sendable, Hashable, Codable {
        public var factors: Int = 64
        public var regularization: Float = 0.05
        public var alpha: Float = 1
        public var iterations: Int = 15
        public var conjugateGradientSteps: Int = 3
        /// Treat every interaction as weight 1 (the study's implicit setting) instead of its value.
        public var binary: Bool = true
        public var seed: UInt64 = 42
        /// `update` re-solves a touched item once its new interactions reach this share of those it was last
        /// solved on (`FoldInSchedule`); 0 re-solves every touched item every time.
        public var itemFoldInShare: Double = FoldInSchedule.defaultShare

        public init(factors: Int = 64, regularization: Float = 0.05, alpha: Float = 1, iterations: Int = 15,
                    conjugateGradientSteps: Int = 3, binary: Bool = true, seed: UInt64 = 42,
                    itemFoldInShare: Double = FoldInSchedule.defaultShare) {
            self.factors = factors
            self.regularization = regularization
            self.alpha = alpha
            self.iterations = iterations
            self.conjugateGradientSteps = conjugateGradientSteps
            self.binary = binary
            self.seed = seed
            self.itemFoldInShare = itemFoldInShare
        }
    }

    public var kind: ModelKind { .als }
    public let configuration: Configuration
    public private(set) var userFactors: Matrix
    public private(set) var itemFactors: Matrix
    /// Which touched items `update` re-solves (users are always re-solved).
    private var itemFoldIns: FoldInSchedule
    /// CG steps when folding in a touched row in `update`: enough to converge from a cold start.
    static let foldInSteps = 12

    /// - Parameter afterIteration: called after each full iteration (users, then items) with its index, for timing.
    public init(data: InteractionData, configuration: Configuration = .init(), afterIteration: ((Int) -> Void)? = nil) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: configuration.seed)
        let scale = 0.01 as Float
        userFactors = Matrix.random(rows: data.userCount, columns: configuration.factors, scale: scale, using: &generator)
        itemFactors = Matrix.random(rows: data.itemCount, columns: configuration.factors, scale: scale, using: &generator)
        itemFoldIns = FoldInSchedule(share: configuration.itemFoldInShare, solvedOn: data)
        let users = Array(0..<data.userCount), items = Array(0..<data.itemCount)
        for iteration in 0..<configuration.iterations {
            Self.solve(rows: users, of: &userFactors, against: itemFactors, neighbours: data.userItems, values: data.userValues,
                  steps: configuration.conjugateGradientSteps, configuration: configuration)
            Self.solve(rows: items, of: &itemFactors, against: userFactors, neighbours: data.itemUsers, values: data.itemValues,
                  steps: configuration.conjugateGradientSteps, configuration: configuration)
            afterIteration?(iteration)
        }
    }

    public init(snapshot: ModelSnapshot, data: InteractionData) throws {
        guard snapshot.kind == .als else { throw ModelSnapshotError.wrongKind(expected: .als, found: snapshot.kind) }
        configuration = Configuration(factors: Int(try snapshot.parameter("factors")),
                                      regularization: Float(try snapshot.parameter("regularization")),
                                      alpha: Float(try snapshot.parameter("alpha")),
                                      binary: try snapshot.parameter("binary") != 0)
        userFactors = try snapshot.matrix(snapshot.userVectors, index: data.users, columns: configuration.factors)
        itemFactors = try snapshot.matrix(snapshot.itemVectors, index: data.items, columns: configuration.factors)
        itemFoldIns = FoldInSchedule(share: configuration.itemFoldInShare, solvedOn: data) { snapshot.itemVectors[data.items.id(at: $0)] != nil }
    }

    public func score(users: [Int], data: InteractionData, into scores: inout [Float]) {
        FactorScoring.score(users: users, userFactors: userFactors, itemFactors: itemFactors, itemBias: nil,
                            itemCount: data.itemCount, into: &scores)
    }

    /// Folds in touched users against the fixed item factors, then the touched items `itemFoldIns` says are due
    /// against the updated users.
    public mutating func update(data: InteractionData, touched: TouchedSet) {
        userFactors.appendRows(data.userCount - userFactors.rows)
        itemFactors.appendRows(data.itemCount - itemFactors.rows)
        Self.solve(rows: touched.users, of: &userFactors, against: itemFactors, neighbours: data.userItems,
              values: data.userValues, steps: Self.foldInSteps, configuration: configuration)
        Self.solve(rows: itemFoldIns.due(touched, data: data), of: &itemFactors, against: userFactors, neighbours: data.itemUsers,
              values: data.itemValues, steps: Self.foldInSteps, configuration: configuration)
    }

    /// Re-solves `rows` of `target` with `fixed` held constant: for row r, minimise
    /// Σ_j c_rj (1 − x_r·y_j)² + Σ_{j unobserved} (x_r·y_j)² + λ‖x_r‖², i.e. the linear system
    /// (YᵀY + λI + Σ_j (c_rj − 1) y_j y_jᵀ) x_r = Σ_j c_rj y_j.
    private static func solve(rows: [Int], of target: inout Matrix, against fixed: Matrix,
                              neighbours: [[Int32]], values: [[Float]], steps: Int, configuration: Configuration) {
        guard !rows.isEmpty else { return }
        let f = configuration.factors
        var gram = BLAS.gram(fixed)
        for d in 0..<f { gram[d, d] += configuration.regularization }
        let settings = configuration
        let gramStorage = gram.storage
        let fixedStorage = fixed.storage
        target.storage.withUnsafeMutableBufferPointer { targetBuffer in
            let output = SendablePointer(targetBuffer.baseAddress!)
            Parallel.forEachChunk(rows.count, chunks: rows.count < 32 ? 1 : Parallel.defaultChunks) { chunk in
                gramStorage.withUnsafeBufferPointer { gramBuffer in
                    fixedStorage.withUnsafeBufferPointer { fixedBuffer in
                        var solver = ConjugateGradientSolver(factors: f, gram: gramBuffer.baseAddress!, fixed: fixedBuffer.baseAddress!)
                        for slot in chunk {
                            let row = rows[slot]
                            let confidences = values[row].map { 1 + settings.alpha * (settings.binary ? 1 : $0) }
                            solver.solve(output.pointer + row * f, neighbours: neighbours[row], confidences: confidences, steps: steps)
                        }
                    }
                }
            }
        }
    }

    public func snapshot(data: InteractionData) -> ModelSnapshot {
        var users = [Int: [Float]](), items = [Int: [Float]]()
        for row in 0..<userFactors.rows { users[data.users.id(at: row)] = Array(userFactors.row(row)) }
        for row in 0..<itemFactors.rows { items[data.items.id(at: row)] = Array(itemFactors.row(row)) }
        return ModelSnapshot(kind: .als, parameters: [
            "factors": Double(configuration.factors), "regularization": Double(configuration.regularization),
            "alpha": Double(configuration.alpha), "binary": configuration.binary ? 1 : 0,
        ], itemVectors: items, userVectors: users)
    }
}
