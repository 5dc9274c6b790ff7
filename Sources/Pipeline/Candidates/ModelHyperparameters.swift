/// Hyper-parameters for every model, and the one place that turns a `ModelKind` into a fitted model.
///
/// The defaults were chosen with `recworker evaluate --validation --set …` (see docs/models.md): a grid search scored by
/// NDCG@10 on a validation split carved from the *training* ratings (per-user random 80/20, seed 7), so the
/// test ratings never influence them.
public struct ModelHyperparameters: Sendable, Hashable, Codable {
    public var itemKNN = ItemKNNModel.Configuration(neighbours: 200, shrinkage: 50)
    /// 4,000 items keep EASE exact up to ML-1M's catalogue and bound it at ML-20M's (docs/scale.md).
    public var ease = EASEModel.Configuration(regularization: 300, valueScale: 5, maxItems: 4_000)
    public var als = ALSModel.Configuration(factors: 32, regularization: 20, alpha: 0.2, binary: false)
    public var bpr = BPRModel.Configuration(factors: 64, learningRate: 0.05, regularization: 0.01)
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
