import LinearAlgebra

/// A weighted sum of several models' scores. Each model's scores are standardised per user (zero mean, unit
/// variance over the items the user has not seen) first, so weights express relative trust rather than compensating for
/// each model's scale. Updates pass through to every component.
public struct BlendedModel: RecommenderModel {
    public struct Component: Sendable {
        public var weight: Float
        public var model: any RecommenderModel

        public init(weight: Float, model: any RecommenderModel) {
            self.weight = weight
            self.model = model
        }
    }

    public var kind: ModelKind { components.first?.model.kind ?? .popularity }
    public private(set) var components: [Component]

    public init(components: [Component]) {
        precondition(!components.isEmpty, "a blend needs at least one model")
        self.components = components
    }

    public func score(users: [Int], data: InteractionData, into scores: inout [Float]) {
        let columns = data.itemCount
        scores = [Float](repeating: 0, count: users.count * columns)
        var componentScores = [Float]()
        for component in components where component.weight != 0 {
            component.model.score(users: users, data: data, into: &componentScores)
            for (slot, user) in users.enumerated() {
                let range = slot * columns ..< (slot + 1) * columns
                // Standardise over the items the user has not seen: those are the ones being ranked, and
                // seen items' large scores would otherwise inflate the spread.
                for item in data.userItems[user] { componentScores[range.lowerBound + Int(item)] = .nan }
                let (mean, deviation) = Self.moments(componentScores[range])
                let scale = deviation > 0 ? component.weight / deviation : 0
                componentScores.withUnsafeBufferPointer { component in
                    scores.withUnsafeMutableBufferPointer { blended in
                        for index in range { blended[index] += (component[index] - mean) * scale }
                    }
                }
            }
        }
        // Seen items are never candidates; they carry NaN from the standardisation above.
        for (slot, user) in users.enumerated() {
            for item in data.userItems[user] { scores[slot * columns + Int(item)] = -.infinity }
        }
    }

    /// Mean and standard deviation of the values that are not NaN.
    static func moments(_ values: ArraySlice<Float>) -> (mean: Float, deviation: Float) {
        guard !values.isEmpty else { return (0, 0) }
        // Four independent running sums: one chain of dependent additions per item made this loop most of the
        // blend's time (it runs per user and component over every item).
        var sums = SIMD4<Double>(), squares = SIMD4<Double>(), counts = SIMD4<Double>()
        values.withUnsafeBufferPointer { buffer in
            let whole = buffer.count - buffer.count % 4
            var index = 0
            while index < whole {
                let value = SIMD4<Double>(Double(buffer[index]), Double(buffer[index + 1]), Double(buffer[index + 2]), Double(buffer[index + 3]))
                let known = value .== value
                let kept = SIMD4<Double>().replacing(with: value, where: known)
                sums += kept
                squares += kept * kept
                counts += SIMD4<Double>().replacing(with: 1, where: known)
                index += 4
            }
            for value in buffer[whole...] where !value.isNaN {
                sums[0] += Double(value); squares[0] += Double(value) * Double(value); counts[0] += 1
            }
        }
        let count = counts.sum()
        guard count > 0 else { return (0, 0) }
        let mean = sums.sum() / count
        let variance = max(0, squares.sum() / count - mean * mean)
        return (Float(mean), Float(variance.squareRoot()))
    }

    public mutating func update(data: InteractionData, touched: TouchedSet) {
        for index in components.indices { components[index].model.update(data: data, touched: touched) }
    }

    /// A blend has no state of its own: store its components individually (see `ModelSet`).
    public func snapshot(data: InteractionData) -> ModelSnapshot {
        ModelSnapshot(kind: kind, parameters: Dictionary(uniqueKeysWithValues: components.map { ("weight_\($0.model.kind.rawValue)", Double($0.weight)) }))
    }
}
