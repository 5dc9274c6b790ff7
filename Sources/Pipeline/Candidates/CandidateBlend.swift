/// Which models the candidate generator blends, with what weight (see `BlendedModel` for how).
/// The default weights were chosen on the validation split carved from training data (docs/models.md).
public struct CandidateBlend: Sendable, Hashable, Codable {
    public var weights: [ModelKind: Float]

    public init(weights: [ModelKind: Float]) { self.weights = weights }

    public static let `default` = CandidateBlend(weights: [.ease: 1, .als: 0.25])

    /// The models the blend needs, in a fixed order so fitting is reproducible.
    public var kinds: [ModelKind] { ModelKind.allCases.filter { (weights[$0] ?? 0) != 0 } }

    /// Fits every component on `data` and combines them.
    public func fit(data: InteractionData, hyperparameters: ModelHyperparameters = .init()) throws -> BlendedModel {
        try combine(kinds.map { try hyperparameters.fit($0, data: data) })
    }

    /// Combines already fitted models (e.g. loaded from `ModelStore`); models of kinds the blend does not
    /// weight are ignored.
    public func combine(_ models: [any RecommenderModel]) -> BlendedModel {
        BlendedModel(components: models.compactMap { model in
            weights[model.kind].map { BlendedModel.Component(weight: $0, model: model) }
        })
    }
}
