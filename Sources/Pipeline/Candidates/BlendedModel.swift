import LinearAlgebra

/// A weighted sum of several models' scores. Each model's scores are standardised per user (zero mean, unit
/// variance over the catalogue) first, so weights express relative trust rather than compensating for
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
            for slot in 0..<users.count {
                let range = slot * columns ..< (slot + 1) * columns
                let (mean, deviation) = Self.moments(componentScores[range])
                let scale = deviation > 0 ? component.weight / deviation : 0
                for index in range { scores[index] += (componentScores[index] - mean) * scale }
            }
        }
    }

    static func moments(_ values: ArraySlice<Float>) -> (mean: Float, deviation: Float) {
        guard !values.isEmpty else { return (0, 0) }
        var sum = 0.0, squares = 0.0
        for value in values { sum += Double(value); squares += Double(value) * Double(value) }
        let mean = sum / Double(values.count)
        let variance = max(0, squares / Double(values.count) - mean * mean)
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
