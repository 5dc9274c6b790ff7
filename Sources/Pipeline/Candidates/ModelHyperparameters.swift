/// Hyper-parameters for every model, and the one place that turns a `ModelKind` into a fitted model.
///
/// The defaults were chosen by `recworker evaluate --tune` (see docs/models.md): a grid search scored by
/// NDCG@10 on a validation split carved from the *training* ratings (per-user random 80/20, seed 7), so the
/// test ratings never influence them.
public struct ModelHyperparameters: Sendable, Hashable, Codable {
    public var itemKNN = ItemKNNModel.Configuration(neighbours: 50, shrinkage: 0)
    public var ease = EASEModel.Configuration(regularization: 500)
    public var als = ALSModel.Configuration()
    public var bpr = BPRModel.Configuration()
    public var biasedMF = BiasedMFModel.Configuration()

    public init() {}

    public func fit(_ kind: ModelKind, data: InteractionData) throws -> any RecommenderModel {
        switch kind {
        case .popularity: return PopularityModel(data: data)
        case .itemKNN: return ItemKNNModel(data: data, configuration: itemKNN)
        case .ease: return try EASEModel(data: data, configuration: ease)
        case .als: return ALSModel(data: data, configuration: als)
        case .bpr: return BPRModel(data: data, configuration: bpr)
        case .biasedMF: return BiasedMFModel(data: data, configuration: biasedMF)
        case .content: throw ModelFitError.needsCatalogue(kind)
        }
    }
}

public enum ModelFitError: Error, CustomStringConvertible {
    case needsCatalogue(ModelKind)

    public var description: String {
        switch self {
        case .needsCatalogue(let kind):
            return "\(kind.rawValue) needs item metadata: build it with ContentModel(data:items:)"
        }
    }
}
