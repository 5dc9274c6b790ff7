import LinearAlgebra

/// EASE (Steck, 2019): an item×item weight matrix B with zero diagonal minimising ‖X − XB‖² + λ‖B‖²,
/// solved in closed form: P = (XᵀX + λI)⁻¹, B = −P / diag(P) column-wise, diag(B) = 0.
/// A user's scores are their history row times B; X is binary, or each interaction's value over
/// `valueScale` when that is set (ratings 1–5 over 5: a disliked film weighs less than a loved one in both
/// the fit and the scoring).
///
/// B costs items² floats and its inverse items³ work (2.9 GB and hours at ML-20M's 27,000 items), so above
/// `maxItems` the model is fitted on the `maxItems` items with the most interactions only: their columns of
/// X explain almost all of every history, and the other items score 0 from EASE (the blend's other models
/// still rank them).
public struct EASEModel: RecommenderModel {
    public struct Configuration: Sendable, Hashable, Codable {
        /// L2 regularisation λ added to the Gram matrix's diagonal.
        public var regularization: Float = 500
        /// 0: every interaction counts 1 (binarised, the peers' setting). Otherwise an interaction's entry in X
        /// is its value divided by this (5 for 1–5 star ratings).
        public var valueScale: Float = 0
        /// Fit on at most this many items, the most interacted ones (0: every item).
        public var maxItems: Int = 0

        public init(regularization: Float = 500, valueScale: Float = 0, maxItems: Int = 0) {
            self.regularization = regularization
            self.valueScale = valueScale
            self.maxItems = maxItems
        }

        /// X's entry for an interaction of value `value`.
        func entry(_ value: Float) -> Float { valueScale > 0 ? value / valueScale : 1 }
    }

    public var kind: ModelKind { .ease }
    public let configuration: Configuration
    /// The data's item indices the model covers: row and column i of `weights` is item `columns[i]`.
    public let columns: [Int32]
    /// columns.count², row i = how item columns[i] in a history votes for every covered item.
    public private(set) var weights: Matrix

    public init(data: InteractionData, configuration: Configuration = .init()) throws {
        self.configuration = configuration
        var covered = Array(0..<data.itemCount)
        if configuration.maxItems > 0, data.itemCount > configuration.maxItems {
            covered = Array(covered.sorted { (data.itemUsers[$0].count, $1) > (data.itemUsers[$1].count, $0) }
                .prefix(configuration.maxItems)).sorted()
        }
        columns = covered.map(Int32.init)
        let n = columns.count
        let positions = Self.positions(columns, itemCount: data.itemCount)
        var gram = BLAS.gram(rows: data.userCount, columns: n) { Self.history($0, data: data, positions: positions, width: n, configuration: configuration) }
        for item in 0..<n { gram[item, item] += configuration.regularization }
        var weights = try SymmetricPositiveDefinite.inverse(gram)
        let diagonal = (0..<n).map { weights[$0, $0] }
        weights.storage.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<n {
                for column in 0..<n { buffer[row * n + column] /= -diagonal[column] }
                buffer[row * n + row] = 0
            }
        }
        self.weights = weights
    }

    public init(snapshot: ModelSnapshot, data: InteractionData) throws {
        guard snapshot.kind == .ease else { throw ModelSnapshotError.wrongKind(expected: .ease, found: snapshot.kind) }
        // Snapshots saved before value weighting existed were binary.
        configuration = Configuration(regularization: Float(try snapshot.parameter("regularization")),
                                      valueScale: Float(snapshot.parameters["value_scale"] ?? 0),
                                      maxItems: Int(snapshot.parameters["max_items"] ?? 0))
        // Stored rows are in the saved columns' order; keep the saved items `data` knows, in that order.
        let saved = snapshot.columnItemIDs.enumerated().compactMap { position, id in
            data.items.index(of: id).map { (position: position, index: Int32($0), id: id) }
        }
        columns = saved.map(\.index)
        let n = saved.count
        var weights = Matrix(rows: n, columns: n)
        for (row, entry) in saved.enumerated() {
            guard let vector = snapshot.itemVectors[entry.id] else { continue }
            for (column, source) in saved.enumerated() where source.position < vector.count {
                weights[row, column] = vector[source.position]
            }
        }
        self.weights = weights
    }

    /// Item index → row of `weights`, or -1 for items the model does not cover.
    static func positions(_ columns: [Int32], itemCount: Int) -> [Int32] {
        var positions = [Int32](repeating: -1, count: itemCount)
        for (position, item) in columns.enumerated() { positions[Int(item)] = Int32(position) }
        return positions
    }

    /// Rows of X restricted to the covered items (row-major, users.count × width).
    static func history(_ users: some Collection<Int>, data: InteractionData, positions: [Int32], width: Int,
                        configuration: Configuration) -> [Float] {
        var block = [Float](repeating: 0, count: users.count * width)
        for (slot, user) in users.enumerated() {
            for (item, value) in zip(data.userItems[user], data.userValues[user]) where Int(item) < positions.count {
                let position = positions[Int(item)]
                if position >= 0 { block[slot * width + Int(position)] = configuration.entry(value) }
            }
        }
        return block
    }

    public func score(users: [Int], data: InteractionData, into scores: inout [Float]) {
        let n = columns.count, itemCount = data.itemCount
        let positions = Self.positions(columns, itemCount: itemCount)
        scores.resetToZeros(count: users.count * itemCount)
        let historyLength = users.reduce(0) { $0 + data.userItems[$1].count }
        // Sparse histories (a few hundred of thousands of items): summing each history item's row of B costs
        // history × n; the dense product costs n² per user whatever the history.
        if users.count < 8 || historyLength * 25 < users.count * n {
            let configuration = configuration
            // Usually B covers every item in catalogue order: its rows then add straight into the user's scores.
            let coversEveryItem = n == itemCount && columns.elementsEqual(0 ..< Int32(n))
            weights.storage.withUnsafeBufferPointer { b in
                scores.withUnsafeMutableBufferPointer { buffer in
                    let output = SendablePointer(buffer.baseAddress!), rows = SendablePointer(UnsafeMutablePointer(mutating: b.baseAddress!))
                    Parallel.forEachChunk(users.count, chunks: users.count < 64 ? 1 : Parallel.defaultChunks) { slots in
                        var row = [Float](repeating: 0, count: coversEveryItem ? 0 : n)
                        for slot in slots {
                            let target = output.pointer + slot * itemCount
                            row.withUnsafeMutableBufferPointer { row in
                                let sum = coversEveryItem ? target : row.baseAddress!
                                if !coversEveryItem { row.update(repeating: 0) }
                                for (item, value) in zip(data.userItems[users[slot]], data.userValues[users[slot]]) where Int(item) < itemCount {
                                    let position = positions[Int(item)]
                                    guard position >= 0 else { continue }
                                    VectorKernels.axpy(configuration.entry(value), UnsafePointer(rows.pointer + Int(position) * n), sum, n)
                                }
                                if !coversEveryItem {
                                    for (position, item) in columns.enumerated() { target[Int(item)] = row[position] }
                                }
                            }
                        }
                    }
                }
            }
            return
        }
        let history = Matrix(rows: users.count, columns: n,
                             storage: Self.history(users, data: data, positions: positions, width: n, configuration: configuration))
        let product = BLAS.multiply(history, weights)
        for slot in 0..<users.count {
            let row = product.row(slot)
            for (position, item) in columns.enumerated() { scores[slot * itemCount + Int(item)] = row[row.startIndex + position] }
        }
    }

    /// B is fixed between refits: new interactions change users' histories, which `score` reads directly,
    /// so an update needs no work. New items join at the next full refit.
    public mutating func update(data: InteractionData, touched: TouchedSet) {}

    public func snapshot(data: InteractionData) -> ModelSnapshot {
        var vectors = [Int: [Float]]()
        for (position, item) in columns.enumerated() { vectors[data.items.id(at: Int(item))] = Array(weights.row(position)) }
        return ModelSnapshot(kind: .ease, parameters: ["regularization": Double(configuration.regularization),
                                                        "value_scale": Double(configuration.valueScale),
                                                        "max_items": Double(configuration.maxItems)],
                             itemVectors: vectors, columnItemIDs: columns.map { data.items.id(at: Int($0)) })
    }
}
