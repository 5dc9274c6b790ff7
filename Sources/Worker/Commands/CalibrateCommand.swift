import ArgumentParser
import Foundation
import Pipeline

/// `recworker calibrate`: chooses `llm.fusion_weight` on a validation split carved from the training
/// ratings (the test ratings are never read), one LLM call per sampled user, every weight scored offline.
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Choose the LLM fusion weight (llm.fusion_weight) by NDCG on a validation split of the training ratings.",
        discussion: """
            The validation split is evaluate --validation's (per-user 80/20 of the training ratings, seed 7). The default
            candidate blend is fitted on its training part; each sampled user's top --llm-candidates are ranked once by
            the LLM and fused at every --weights value. The weight with the best mean NDCG@K wins; ties go to the lower
            weight (trust the model). Weight 0 (the model alone) is always tried, so a weak LLM gets switched off.
            """)

    @Option(help: "MovieLens folder in any GroupLens layout: titles and genres for the prompts.")
    var movielens: String
    @Option(help: "Ready training ratings (tab, `::` or CSV); default: the per-user 80/20 split of the folder's ratings with --split-seed. Test ratings are never read.")
    var train: String?
    @Option(help: "Seed of the per-user split of the folder's ratings when no --train is given (evaluate's --seed).")
    var splitSeed: UInt64 = 42
    @Option(help: "Users to sample (each costs one LLM call per --llm-bootstrap sample).")
    var users = 100
    @Option(help: "Seed of the user sample.")
    var seed: UInt64 = 1
    @Option(help: "Comma-separated fusion weights to try (0 is always added).")
    var weights = "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1"
    @Option(help: "Cut-off K of NDCG@K.")
    var k = 10
    @Option(help: "Write the result here (JSON).")
    var out = "results/calibration.json"
    @OptionGroup var options: ConfigOptions
    @OptionGroup var llm: LLMOptions

    func validate() throws {
        guard users > 0, k > 0 else { throw ValidationError("--users and --k must be positive") }
        _ = try parsedWeights()
    }

    func parsedWeights() throws -> [Double] {
        let values = weights.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map { (0...1).contains($0) } ?? false }) else {
            throw ValidationError("--weights must be comma-separated numbers in 0…1, e.g. 0,0.25,0.5,0.75,1")
        }
        return values.compactMap { $0 }
    }

    func run() async throws {
        let config = try options.load(overrides: llm.overrides, publishing: false)
        let dataset = try MovieLensDataset.load(from: movielens)
        let trainRatings = try train.map { try MovieLensDataset.loadRatings(path: $0) }
            ?? RatingSplit.perUserRandom(dataset.ratings, seed: splitSeed).train
        let validation = RatingSplit.perUserRandom(trainRatings, seed: 7)
        let data = InteractionData(ratings: validation.train, catalogue: dataset.items.map(\.id))
        let model = try CandidateBlend.default.fit(data: data)
        let cases = RerankCase.sample(
            model: model, data: data, train: validation.train, test: validation.test, items: dataset.items, demographics: dataset.users,
            users: users, seed: seed, candidates: config.candidates.rerankPool, limit: k)
        let outcome = try await LLMRerankPass(config: config).run(cases)
        let calibration = FusionCalibration(k: k, weights: try parsedWeights())
        let results = calibration.evaluate(cases, rankings: outcome.rankings)
        guard let chosen = FusionCalibration.choose(results) else { throw ValidationError("no weights to try") }
        let report = CalibrationReport(
            k: k, users: cases.count, llmFailures: outcome.failures.count, seed: seed, candidates: config.candidates.rerankPool,
            model: try ConfiguredReranker.endpoint(config.llm).model, results: results, chosenWeight: chosen.weight)
        print(report.markdown)
        try report.write(to: out)
        LLMRerankPass.note("wrote \(out)")
    }
}
