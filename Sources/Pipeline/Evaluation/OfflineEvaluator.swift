/// Scores a fitted model on held-out ratings; one conformer per evaluation protocol.
public protocol OfflineEvaluator: Sendable {
    func evaluate(name: String, model: any RecommenderModel, data: InteractionData, test: [Rating],
                  trainSeconds: Double) -> TopNEvaluator.ModelResult
}

extension OfflineEvaluator {
    /// Times `fit`, then evaluates the model it returns.
    public func evaluate(name: String, data: InteractionData, test: [Rating],
                         fit: () throws -> any RecommenderModel) rethrows -> TopNEvaluator.ModelResult {
        let start = ContinuousClock.now
        let model = try fit()
        let seconds = (ContinuousClock.now - start).seconds
        return evaluate(name: name, model: model, data: data, test: test, trainSeconds: seconds)
    }
}
