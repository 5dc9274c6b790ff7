import LinearAlgebra

/// Biased matrix factorisation of explicit ratings, r̂ = μ + b_u + b_i + p_u·q_i, trained by SGD on squared
/// error (Koren 2008; Surprise's `SVD`): the study's "SVD". It predicts ratings, so it ranks by predicted
/// rating, which is a weak top-N ranker on a full catalogue; it is here to reproduce the study.
public struct BiasedMFModel: RecommenderModel {
    public struct Configuration: Sendable, Hashable, Codable {
        public var factors: Int = 100
        public var learningRate: Float = 0.005
        public var regularization: Float = 0.02
        public var epochs: Int = 20
        public var initialScale: Float = 0.1
        public var seed: UInt64 = 42

        public init(factors: Int = 100, learningRate: Float = 0.005, regularization: Float = 0.02, epochs: Int = 20,
                    initialScale: Float = 0.1, seed: UInt64 = 42) {
            self.factors = factors
            self.learningRate = learningRate
            self.regularization = regularization
            self.epochs = epochs
            self.initialScale = initialScale
            self.seed = seed
        }
    }

    public var kind: ModelKind { .biasedMF }
    public let configuration: Configuration
    public private(set) var globalMean: Float
    public private(set) var userBias: [Float]
    public private(set) var itemBias: [Float]
    public private(set) var userFactors: Matrix
    public private(set) var itemFactors: Matrix
    /// Which touched items `update` sweeps (users are always swept).
    private var itemFoldIns: FoldInSchedule
    /// SGD sweeps over a touched user's (or item's) ratings in `update`.
    static let updateEpochs = 10

    public init(data: InteractionData, configuration: Configuration = .init()) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: configuration.seed)
        let samples = data.triples()
        globalMean = samples.values.isEmpty ? 0 : samples.values.reduce(0, +) / Float(samples.values.count)
        userBias = [Float](repeating: 0, count: data.userCount)
        itemBias = [Float](repeating: 0, count: data.itemCount)
        userFactors = Matrix.random(rows: data.userCount, columns: configuration.factors, scale: configuration.initialScale, using: &generator)
        itemFactors = Matrix.random(rows: data.itemCount, columns: configuration.factors, scale: configuration.initialScale, using: &generator)
        itemFoldIns = FoldInSchedule(solvedOn: data)
        var order = Array(0..<samples.users.count)
        for _ in 0..<configuration.epochs {
            order.shuffle(using: &generator)
            for sample in order {
                step(user: Int(samples.users[sample]), item: Int(samples.items[sample]), rating: samples.values[sample],
                     updateUser: true, updateItem: true)
            }
        }
    }

    public init(snapshot: ModelSnapshot, data: InteractionData) throws {
        guard snapshot.kind == .biasedMF else { throw ModelSnapshotError.wrongKind(expected: .biasedMF, found: snapshot.kind) }
        configuration = Configuration(factors: Int(try snapshot.parameter("factors")),
                                      learningRate: Float(try snapshot.parameter("learning_rate")),
                                      regularization: Float(try snapshot.parameter("regularization")))
        globalMean = Float(try snapshot.parameter("global_mean"))
        // Vectors are stored as [bias, factors…].
        let users = try snapshot.matrix(snapshot.userVectors, index: data.users, columns: configuration.factors + 1)
        let items = try snapshot.matrix(snapshot.itemVectors, index: data.items, columns: configuration.factors + 1)
        userBias = (0..<users.rows).map { users[$0, 0] }
        itemBias = (0..<items.rows).map { items[$0, 0] }
        userFactors = Matrix(rows: users.rows, columns: configuration.factors, storage: (0..<users.rows).flatMap { users.row($0).dropFirst() })
        itemFactors = Matrix(rows: items.rows, columns: configuration.factors, storage: (0..<items.rows).flatMap { items.row($0).dropFirst() })
        itemFoldIns = FoldInSchedule(solvedOn: data) { snapshot.itemVectors[data.items.id(at: $0)] != nil }
    }

    /// The predicted rating.
    public func predict(user: Int, item: Int) -> Float {
        guard user < userFactors.rows, item < itemFactors.rows else { return globalMean }
        let f = configuration.factors
        return userFactors.storage.withUnsafeBufferPointer { users in
            itemFactors.storage.withUnsafeBufferPointer { items in
                globalMean + userBias[user] + itemBias[item]
                    + VectorKernels.dot(users.baseAddress! + user * f, items.baseAddress! + item * f, f)
            }
        }
    }

    private mutating func step(user: Int, item: Int, rating: Float, updateUser: Bool, updateItem: Bool) {
        let f = configuration.factors
        let rate = configuration.learningRate, reg = configuration.regularization
        let error = rating - predict(user: user, item: item)
        if updateUser { userBias[user] += rate * (error - reg * userBias[user]) }
        if updateItem { itemBias[item] += rate * (error - reg * itemBias[item]) }
        userFactors.storage.withUnsafeMutableBufferPointer { users in
            itemFactors.storage.withUnsafeMutableBufferPointer { items in
                VectorKernels.factorStep(user: users.baseAddress! + user * f, item: items.baseAddress! + item * f, count: f,
                                         error: error, learningRate: rate, regularization: reg,
                                         updateUser: updateUser, updateItem: updateItem)
            }
        }
    }

    /// Predicted ratings (μ + b_u + b_i + p_u·q_i) for every item.
    public func score(users: [Int], data: InteractionData, into scores: inout [Float]) {
        FactorScoring.score(users: users, userFactors: userFactors, itemFactors: itemFactors, itemBias: itemBias,
                            itemCount: data.itemCount, into: &scores)
        for (slot, user) in users.enumerated() {
            let offset = globalMean + (user < userBias.count ? userBias[user] : 0)
            for column in 0..<data.itemCount { scores[slot * data.itemCount + column] += offset }
        }
    }

    /// Folds touched users in against fixed items, then nudges touched items against fixed users, each with a
    /// bounded number of SGD sweeps over that row's ratings.
    public mutating func update(data: InteractionData, touched: TouchedSet) {
        userFactors.appendRows(data.userCount - userFactors.rows)
        itemFactors.appendRows(data.itemCount - itemFactors.rows)
        userBias.append(contentsOf: repeatElement(0, count: data.userCount - userBias.count))
        itemBias.append(contentsOf: repeatElement(0, count: data.itemCount - itemBias.count))
        for _ in 0..<Self.updateEpochs {
            for user in touched.users {
                for (item, rating) in zip(data.userItems[user], data.userValues[user]) {
                    step(user: user, item: Int(item), rating: rating, updateUser: true, updateItem: false)
                }
            }
        }
        let dueItems = itemFoldIns.due(touched, data: data)
        for _ in 0..<Self.updateEpochs {
            for item in dueItems {
                for (user, rating) in zip(data.itemUsers[item], data.itemValues[item]) {
                    step(user: Int(user), item: item, rating: rating, updateUser: false, updateItem: true)
                }
            }
        }
    }

    public func snapshot(data: InteractionData) -> ModelSnapshot {
        var users = [Int: [Float]](), items = [Int: [Float]]()
        for row in 0..<userFactors.rows { users[data.users.id(at: row)] = [userBias[row]] + userFactors.row(row) }
        for row in 0..<itemFactors.rows { items[data.items.id(at: row)] = [itemBias[row]] + itemFactors.row(row) }
        return ModelSnapshot(kind: .biasedMF, parameters: [
            "factors": Double(configuration.factors), "learning_rate": Double(configuration.learningRate),
            "regularization": Double(configuration.regularization), "global_mean": Double(globalMean),
        ], itemVectors: items, userVectors: users)
    }
}
