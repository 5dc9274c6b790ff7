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
        scores.resetToZeros(count: users.count * columns)
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
    ///
    /// Runs per user and component over every item, so it is vectorised: sixteen lanes in `Float`, and two
    /// passes (the mean, then the squared deviations from it), which keeps `Float` accurate where one pass of
    /// sums and squares would cancel.
    static func moments(_ values: ArraySlice<Float>) -> (mean: Float, deviation: Float) {
        guard !values.isEmpty else { return (0, 0) }
        return values.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            let whole = buffer.count - buffer.count % 16
            func lanes(at index: Int) -> SIMD16<Float> { base.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self) }

            var sums = SIMD16<Float>(), counts = SIMD16<Float>()
            for index in stride(from: 0, to: whole, by: 16) {
                let value = lanes(at: index)
                let known = value .== value
                sums += SIMD16<Float>().replacing(with: value, where: known)
                counts += SIMD16<Float>().replacing(with: 1, where: known)
            }
            func total(_ lanes: SIMD16<Float>) -> Double { lanes.indices.reduce(0) { $0 + Double(lanes[$1]) } }
            var sum = total(sums), count = total(counts)
            for value in buffer[whole...] where !value.isNaN { sum += Double(value); count += 1 }
            guard count > 0 else { return (0, 0) }
            let mean = Float(sum / count)

            let centre = SIMD16<Float>(repeating: mean)
            var squares = SIMD16<Float>()
            for index in stride(from: 0, to: whole, by: 16) {
                let value = lanes(at: index)
                let deviation = value - centre
                squares += SIMD16<Float>().replacing(with: deviation * deviation, where: value .== value)
            }
            var squareSum = total(squares)
            for value in buffer[whole...] where !value.isNaN { squareSum += Double(value - mean) * Double(value - mean) }
            return (mean, Float((squareSum / count).squareRoot()))
        }
    }

    public mutating func update(data: InteractionData, touched: TouchedSet) {
        for index in components.indices { components[index].model.update(data: data, touched: touched) }
    }

    /// A blend has no state of its own: store its components individually (see `ModelSet`).
    public func snapshot(data: InteractionData) -> ModelSnapshot {
        ModelSnapshot(kind: kind, parameters: Dictionary(uniqueKeysWithValues: components.map { ("weight_\($0.model.kind.rawValue)", Double($0.weight)) }))
    }
}
