import ArgumentParser
import Foundation
import Pipeline

/// `evaluate --choose-diversity`: λ chosen on validation folds carved from the training ratings, then evaluated.
struct DiversityChoiceOptions: ParsableArguments {
    @Flag(help: "Choose the diversity λ on validation folds carved from the training ratings (the --diversity list is the grid; the blend is the model): the largest λ whose mean validation NDCG@K is within 2 % of λ = 0. Then evaluate λ = 0 and the chosen λ.")
    var chooseDiversity = false
    @Option(help: "Validation folds for --choose-diversity (per-user 80/20 of the training ratings, seeds 7, 8, …).")
    var validationFolds = 3

    func validate() throws {
        guard validationFolds >= 1 else { throw ValidationError("--validation-folds must be at least 1") }
    }

    /// The blend fitted on each fold's training part and evaluated at every λ of `grid` on its validation part.
    /// - Parameter interactions: the model input for a fold's ratings, built as the main evaluation builds its own.
    func choose(
        train: [Rating], grid: [Double], k: Int, items: [Item]?, genreWeight: Double, blend: CandidateBlend,
        hyperparameters: ModelHyperparameters, interactions: ([Rating]) throws -> InteractionData
    ) throws -> DiversityChoice {
        let grid = grid.contains(0) ? grid : [0] + grid
        let folds = try (0..<validationFolds).map { fold in
            let split = RatingSplit.perUserRandom(train, seed: 7 + UInt64(fold))
            let data = try interactions(split.train)
            let model = try blend.fit(data: data, hyperparameters: hyperparameters)
            return grid.map { lambda in
                let result = TopNEvaluator(k: k, items: items, diversity: DiversityReranker(lambda: lambda, genreWeight: genreWeight))
                    .evaluate(name: "blend", model: model, data: data, test: split.test, trainSeconds: 0)
                FileHandle.standardError.write(Data("fold \(fold + 1) λ=\(lambda): NDCG@\(k) \(String(format: "%.4f", result.metrics.ndcg)) coverage \(String(format: "%.4f", result.coverage))\n".utf8))
                return (lambda: lambda, ndcg: result.metrics.ndcg, coverage: result.coverage)
            }
        }
        return DiversityChoice(folds: folds)
    }
}
