import Foundation
import LinearAlgebra

/// Bayesian personalised ranking (Rendle et al. 2009) with matrix factorisation and item biases, trained by
/// SGD on (user, interacted item, random other item) triples: the study's LightFM-BPR role.
/// Sampling follows benfred/implicit: each epoch draws as many positives as there are interactions, and a
/// negative that the user has interacted with is skipped.
public struct BPRModel: RecommenderModel {
    public struct Configuration: Sendable, Hashable, Codable {
        public var factors: Int = 64
        public var learningRate: Float = 0.01
        public var regularization: Float = 0.01
        public var epochs: Int = 100
        public var seed: UInt64 = 42

        public init(factors: Int = 64, learningRate: Float = 0.01, regularization: Float = 0.01, epochs: Int = 100, seed: UInt64 = 42) {
            self.factors = factors
            self.learningRate = learningRate
            self.regularization = regularization
            self.epochs = epochs
            self.seed = seed
        }
    }

    public var kind: ModelKind { .bpr }
    public let configuration: Configuration
    public private(set) var userFactors: Matrix
    public private(set) var itemFactors: Matrix
    public private(set) var itemBias: [Float]
    /// Steps per interaction of a touched user or item in `update`: bounded so a batch stays cheap.
    static let updateStepsPerInteraction = 20

    public init(data: InteractionData, configuration: Configuration = .init()) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: configuration.seed)
        let scale = 1 / Float(configuration.factors)
        userFactors = Matrix.random(rows: data.userCount, columns: configuration.factors, scale: scale, using: &generator)
        itemFactors = Matrix.random(rows: data.itemCount, columns: configuration.factors, scale: scale, using: &generator)
        itemBias = [Float](repeating: 0, count: data.itemCount)
        let samples = data.triples()
        let liked = data.userItems.map { $0.sorted() }
        let itemCount = data.itemCount
        let settings = configuration
        withParameters { users, items, bias in
            for _ in 0..<settings.epochs {
                for _ in 0..<samples.users.count {
                    let sample = generator.index(below: samples.users.count)
                    let user = Int(samples.users[sample])
                    let negative = generator.index(below: itemCount)
                    guard !Self.contains(liked[user], Int32(negative)) else { continue }
                    Self.step(user: user, positive: Int(samples.items[sample]), negative: negative, users: users, items: items,
                              bias: bias, configuration: settings, moving: .all)
                }
            }
        }
    }

    public init(snapshot: ModelSnapshot, data: InteractionData) throws {
        guard snapshot.kind == .bpr else { throw ModelSnapshotError.wrongKind(expected: .bpr, found: snapshot.kind) }
        configuration = Configuration(factors: Int(try snapshot.parameter("factors")),
                                      learningRate: Float(try snapshot.parameter("learning_rate")),
                                      regularization: Float(try snapshot.parameter("regularization")),
                                      seed: UInt64(try snapshot.parameter("seed")))
        userFactors = try snapshot.matrix(snapshot.userVectors, index: data.users, columns: configuration.factors)
        // Item vectors are stored as [bias, factors…].
        let items = try snapshot.matrix(snapshot.itemVectors, index: data.items, columns: configuration.factors + 1)
        itemBias = (0..<items.rows).map { items[$0, 0] }
        itemFactors = Matrix(rows: items.rows, columns: configuration.factors,
                             storage: (0..<items.rows).flatMap { items.row($0).dropFirst() })
    }

    /// Which parameters a step may move: all of them in training, only the user's when folding a user in,
    /// only the items' when refreshing touched items.
    enum Moving { case all, user, items }

    private mutating func withParameters(_ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        userFactors.storage.withUnsafeMutableBufferPointer { users in
            itemFactors.storage.withUnsafeMutableBufferPointer { items in
                itemBias.withUnsafeMutableBufferPointer { bias in
                    body(users.baseAddress!, items.baseAddress!, bias.baseAddress!)
                }
            }
        }
    }

    /// One SGD step on the triple (user, positive, negative), ascending ln σ(x̂_up − x̂_un).
    @inline(__always)
    private static func step(user: Int, positive: Int, negative: Int, users: UnsafeMutablePointer<Float>,
                             items: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>,
                             configuration: Configuration, moving: Moving) {
        let f = configuration.factors
        let rate = configuration.learningRate, reg = configuration.regularization
        let u = users + user * f, p = items + positive * f, n = items + negative * f
        let difference = bias[positive] - bias[negative] + VectorKernels.dot(u, p, f) - VectorKernels.dot(u, n, f)
        let z = 1 / (1 + exp(difference))
        switch moving {
        case .all:
            VectorKernels.pairwiseStep(user: u, positive: p, negative: n, count: f, z: z, learningRate: rate, regularization: reg)
        case .user:
            for d in 0..<f { u[d] += rate * (z * (p[d] - n[d]) - reg * u[d]) }
        case .items:
            for d in 0..<f {
                p[d] += rate * (z * u[d] - reg * p[d])
                n[d] += rate * (-z * u[d] - reg * n[d])
            }
        }
        if moving != .user {
            bias[positive] += rate * (z - reg * bias[positive])
            bias[negative] += rate * (-z - reg * bias[negative])
        }
    }

    private static func contains(_ sorted: [Int32], _ value: Int32) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == value
    }

    public func score(users: [Int], data: InteractionData, into scores: inout [Float]) {
        FactorScoring.score(users: users, userFactors: userFactors, itemFactors: itemFactors, itemBias: itemBias,
                            itemCount: data.itemCount, into: &scores)
    }

    /// Bounded SGD: for each touched user a few sweeps over their positives moving only the user (fold-in),
    /// then for each touched item a few steps moving only the items. New rows start at zero.
    public mutating func update(data: InteractionData, touched: TouchedSet) {
        userFactors.appendRows(data.userCount - userFactors.rows)
        itemFactors.appendRows(data.itemCount - itemFactors.rows)
        itemBias.append(contentsOf: repeatElement(0, count: data.itemCount - itemBias.count))
        var generator = SeededGenerator(seed: configuration.seed &+ UInt64(data.interactionCount))
        let itemCount = data.itemCount
        let settings = configuration
        let steps = Self.updateStepsPerInteraction
        withParameters { users, items, bias in
            for user in touched.users {
                let history = data.userItems[user]
                let liked = history.sorted()
                for _ in 0..<(history.count * steps) {
                    let negative = generator.index(below: itemCount)
                    guard !Self.contains(liked, Int32(negative)) else { continue }
                    Self.step(user: user, positive: Int(history[generator.index(below: history.count)]), negative: negative,
                              users: users, items: items, bias: bias, configuration: settings, moving: .user)
                }
            }
            for item in touched.items {
                let fans = data.itemUsers[item]
                for _ in 0..<(fans.isEmpty ? 0 : steps) {
                    let user = Int(fans[generator.index(below: fans.count)])
                    let negative = generator.index(below: itemCount)
                    guard !data.userItems[user].contains(Int32(negative)) else { continue }
                    Self.step(user: user, positive: item, negative: negative,
                              users: users, items: items, bias: bias, configuration: settings, moving: .items)
                }
            }
        }
    }

    public func snapshot(data: InteractionData) -> ModelSnapshot {
        var users = [Int: [Float]](), items = [Int: [Float]]()
        for row in 0..<userFactors.rows { users[data.users.id(at: row)] = Array(userFactors.row(row)) }
        for row in 0..<itemFactors.rows { items[data.items.id(at: row)] = [itemBias[row]] + itemFactors.row(row) }
        return ModelSnapshot(kind: .bpr, parameters: [
            "factors": Double(configuration.factors), "learning_rate": Double(configuration.learningRate),
            "regularization": Double(configuration.regularization), "seed": Double(configuration.seed),
        ], itemVectors: items, userVectors: users)
    }
}
