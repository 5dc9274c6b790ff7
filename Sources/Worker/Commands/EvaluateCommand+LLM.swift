import ArgumentParser
import Foundation
import Pipeline

/// `recworker evaluate --rerank llm`: two extra Table-1 rows on one seeded user sample, the blend alone
/// and the blend fused with the LLM at `--llm-weight`, plus a table of their spread and paired difference.
struct LLMRerankOptions: ParsableArguments {
    enum Rerank: String, ExpressibleByArgument, CaseIterable { case none, llm }

    @Option(help: "Add reranked rows: none or llm (one LLM call per sampled user; see docs/llm.md).")
    var rerank: Rerank = .none
    @Option(name: .customLong("llm-users"), help: "Users sampled for the LLM rows (LLM calls are slow).")
    var users = 100
    @Option(name: .customLong("llm-sample-seed"), help: "Seed of the LLM user sample.")
    var sampleSeed: UInt64 = 1
    @OptionGroup var options: ConfigOptions
    @OptionGroup var llm: LLMOptions

    func validate() throws {
        guard users > 0 else { throw ValidationError("--llm-users must be positive") }
    }

    /// The rows, or nil without `--rerank llm`.
    /// - Parameter diversity: the candidates' diversity rerank (production's order: candidates, diversity, LLM).
    func rows(dataset: MovieLensDataset?, split: RatingSplit, data: InteractionData, k: Int, relevanceThreshold: Float?,
              blend: CandidateBlend, hyperparameters: ModelHyperparameters, diversity: DiversityReranker) async throws -> LLMRerankRows? {
        guard rerank == .llm else { return nil }
        guard let dataset else { throw ValidationError("--rerank llm needs --movielens DIR: the prompts show titles and genres") }
        let config = try options.load(overrides: llm.overrides, publishing: false)
        let weight = config.llm.fusionWeight
        let model = try blend.fit(data: data, hyperparameters: hyperparameters)
        let cases = RerankCase.sample(
            model: model, data: data, train: split.train, test: split.test, items: dataset.items, demographics: dataset.users,
            users: users, seed: sampleSeed, candidates: config.candidates.rerankPool, limit: k, relevanceThreshold: relevanceThreshold,
            diversity: diversity)
        let start = ContinuousClock.now
        let outcome = try await LLMRerankPass(config: config).run(cases)
        let seconds = (ContinuousClock.now - start).seconds
        let n = cases.count
        let alone = RerankEvaluation.modelResult(
            name: "blend (same \(n) users)", cases: cases, rankings: nil, weight: 0, k: k, catalogueSize: data.itemCount, seconds: 0)
        let fused = RerankEvaluation.modelResult(
            name: "blend + LLM (w=\(weight), \(n) users)", cases: cases, rankings: outcome.rankings, weight: weight, k: k,
            catalogueSize: data.itemCount, seconds: seconds)
        let kept = RerankEvaluation.reasonsKept(cases: cases, rankings: outcome.rankings, weight: weight, k: k,
                                                gate: ExplanationGate(reasonLimit: config.llm.reasonCharacters))
        return LLMRerankRows(alone: alone, fused: fused, weight: weight, k: k, failures: outcome.failures.count, reasonsKept: kept)
    }
}

/// The two rows and their spread: per-user NDCG of each, and the paired per-user difference.
struct LLMRerankRows {
    var alone: TopNEvaluator.ModelResult
    var fused: TopNEvaluator.ModelResult
    var weight: Double
    var k: Int
    var failures: Int
    /// Share of the LLM-ranked rows whose explanation is the LLM's reason (the rest failed `ExplanationGate`).
    var reasonsKept: Double?

    var results: [TopNEvaluator.ModelResult] { [alone, fused] }

    struct Summary: Codable {
        var weight: Double, k: Int, users: Int, llmFailures: Int, llmReasonsKept: Double?
        var blendNdcg: SampleStatistics, llmNdcg: SampleStatistics, gainOverBlend: SampleStatistics
    }

    var summary: Summary {
        let base = alone.users.map(\.metrics.ndcg)
        let withLLM = fused.users.map(\.metrics.ndcg)
        return Summary(weight: weight, k: k, users: base.count, llmFailures: failures, llmReasonsKept: reasonsKept, blendNdcg: SampleStatistics(base),
                       llmNdcg: SampleStatistics(withLLM), gainOverBlend: SampleStatistics(zip(withLLM, base).map { $0 - $1 }))
    }

    var markdown: String {
        let s = summary
        let f = { (x: Double) in String(format: "%.4f", x) }
        let g = { (x: Double) in String(format: "%+.4f", x) }
        return """

            LLM rows: \(s.users) sampled users (\(s.llmFailures) failed LLM calls kept the model's order), NDCG@\(k) mean ± standard error [bootstrap 95 % CI]
            | Row | NDCG@\(k) | ± s.e. | 95 % CI |
            |---|---:|---:|---|
            | \(alone.name) | \(f(s.blendNdcg.mean)) | \(f(s.blendNdcg.standardError)) | [\(f(s.blendNdcg.lower95)), \(f(s.blendNdcg.upper95))] |
            | \(fused.name) | \(f(s.llmNdcg.mean)) | \(f(s.llmNdcg.standardError)) | [\(f(s.llmNdcg.lower95)), \(f(s.llmNdcg.upper95))] |
            | paired gain (LLM − blend) | \(g(s.gainOverBlend.mean)) | \(f(s.gainOverBlend.standardError)) | [\(g(s.gainOverBlend.lower95)), \(g(s.gainOverBlend.upper95))] |

            LLM reasons kept by the explanation gate: \(s.llmReasonsKept.map { String(format: "%.1f %%", $0 * 100) } ?? "–") of the LLM-ranked rows (the rest publish the template explanation)
            """
    }

    /// `<prefix>-llm.json`.
    func write(prefix: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(summary).write(to: URL(fileURLWithPath: prefix + "-llm.json"))
        FileHandle.standardError.write(Data("wrote \(prefix)-llm.json\n".utf8))
    }
}
