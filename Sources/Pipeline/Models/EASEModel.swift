import LinearAlgebra

/// EASE (Steck, 2019): an item×item weight matrix B with zero diagonal minimising ‖X − XB‖² + λ‖B‖²,
/// solved in closed form: P = (XᵀX + λI)⁻¹, B = −P / diag(P) column-wise, diag(B) = 0.
/// A user's scores are their history row times B; X is binary, or each interaction's value over
/// `valueScale` when that is set (ratings 1–5 over 5: a disliked film weighs less than a loved one in both
/// the fit and the scoring). Memory is items² floats, so it suits catalogues up to about 20k items.
public struct EASEModel: RecommenderModel {
    public struct Configuration: Sendable, Hashable, Codable {
        /// L2 regularisation λ added to the Gram matrix's diagonal.
        public var regularization: Float = 500
        /// 0: every interaction counts 1 (binarised, the peers' setting). Otherwise an interaction's entry in X
        /// is its value divided by this (5 for 1–5 star ratings).
        public var valueScale: Float = 0

        public init(regularization: Float = 500, valueScale: Float = 0) {
            self.regularization = regularization
            self.valueScale = valueScale
        }

        /// X's entry for an interaction of value `value`.
        func entry(_ value: Float) -> Float { valueScale > 0 ? value / valueScale : 1 }
    }

    public var kind: ModelKind { .ease }
    public let configuration: Configuration
    /// items × items, row i = how item i in a history votes for every item.
    public private(set) var weights: Matrix

    public init(data: InteractionData, configuration: Configuration = .init()) throws {
        self.configuration = configuration
        var gram = BLAS.gram(rows: data.userCount, columns: data.itemCount) { data.weightedRows($0, columns: data.itemCount, entry: configuration.entry) }
        for item in 0..<data.itemCount { gram[item, item] += configuration.regularization }
        var weights = try SymmetricPositiveDefinite.inverse(gram)
        let n = data.itemCount
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
                                      valueScale: Float(snapshot.parameters["value_scale"] ?? 0))
        // Stored rows are in the saved catalogue's column order; map them onto `data`'s order.
        let savedIDs = snapshot.columnItemIDs
        let n = data.itemCount
        var weights = Matrix(rows: n, columns: n)
        let columnMap = savedIDs.map { data.items.index(of: $0) }
        for (row, id) in data.items.ids.enumerated() {
            guard let vector = snapshot.itemVectors[id] else { continue }
            for (savedColumn, value) in vector.enumerated() where savedColumn < columnMap.count {
                if let column = columnMap[savedColumn] { weights[row, column] = value }
            }
        }
        self.weights = weights
    }

    public func score(users: [Int], data: InteractionData, into scores: inout [Float]) {
        let n = weights.rows
        // Summing each user's history rows costs (history entries × n) multiply-adds; the dense product costs
        // (users × n × n) but BLAS runs several times faster per operation. Short histories against a large
        // catalogue (the stream refresher's claims) are far cheaper summed; long ones go to BLAS.
        let historyEntries = users.reduce(0) { $0 + data.userItems[$1].count }
        if users.count < 8 || historyEntries * 8 < users.count * n {
            scores = [Float](repeating: 0, count: users.count * data.itemCount)
            let columns = data.itemCount
            weights.storage.withUnsafeBufferPointer { rows in
                scores.withUnsafeMutableBufferPointer { output in
                    for (slot, user) in users.enumerated() {
                        for (item, value) in zip(data.userItems[user], data.userValues[user]) where Int(item) < n {
                            VectorKernels.axpy(configuration.entry(value), rows.baseAddress! + Int(item) * n,
                                               output.baseAddress! + slot * columns, n)
                        }
                    }
                }
            }
            return
        }
        let history = Matrix(rows: users.count, columns: n, storage: data.weightedRows(users, columns: n, entry: configuration.entry))
        let product = BLAS.multiply(history, weights)
        if n == data.itemCount {
            scores = product.storage
        } else {
            // Items newer than the fit have no weights yet: they score 0 until the next refit.
            scores = [Float](repeating: 0, count: users.count * data.itemCount)
            for slot in 0..<users.count {
                scores.replaceSubrange(slot * data.itemCount ..< slot * data.itemCount + n, with: product.row(slot))
            }
        }
    }

    /// B is fixed between refits: new interactions change users' histories, which `score` reads directly,
    /// so an update needs no work. New items join at the next full refit.
    public mutating func update(data: InteractionData, touched: TouchedSet) {}

    public func snapshot(data: InteractionData) -> ModelSnapshot {
        var vectors = [Int: [Float]]()
        for item in 0..<weights.rows { vectors[data.items.id(at: item)] = Array(weights.row(item)) }
        return ModelSnapshot(kind: .ease, parameters: ["regularization": Double(configuration.regularization),
                                                        "value_scale": Double(configuration.valueScale)],
                             itemVectors: vectors, columnItemIDs: Array(data.items.ids.prefix(weights.rows)))
    }
}
