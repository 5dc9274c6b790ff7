import ArgumentParser
import Foundation
import Pipeline

/// Reproduces the study's offline comparison (Table 1) on MovieLens with recworker's models.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Train every model on a MovieLens split and print Precision/Recall/NDCG/HitRate@K (protocols in docs/models.md)."
    )

    enum EvaluationProtocol: String, ExpressibleByArgument, CaseIterable {
        case fullCatalog = "full-catalog", leaveOneOut = "leave-one-out", paper
    }

    @Option(help: "MovieLens folder in any GroupLens layout (ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-latest).")
    var movielens: String?
    @Option(help: "Protocol: \(EvaluationProtocol.allCases.map(\.rawValue).joined(separator: ", ")).")
    var `protocol`: EvaluationProtocol = .fullCatalog
    @Option(help: "Ready training ratings (user, item, rating, timestamp: tab, `::` or CSV with header); use with --test instead of splitting.")
    var train: String?
    @Option(help: "Ready test ratings, same format as --train.")
    var test: String?
    @Option(help: "Cut-off K.")
    var k = 10
    @Option(help: "Seed of the per-user random split.")
    var seed: UInt64 = 42
    @Option(help: "Comma-separated models: \(ModelKind.allCases.filter { $0 != .content }.map(\.rawValue).joined(separator: ", ")), blend, cold-start (segment popularity, as a new user gets).")
    var models = "popularity,item-knn,svd,bpr,als,ease,blend"
    @Flag(help: "Evaluate on a validation split carved from the training ratings (per-user 80/20, seed 7) instead of the test ratings: for choosing hyper-parameters.")
    var validation = false
    @Option(name: .customLong("set"), help: "Override a hyper-parameter or blend weight, e.g. --set als.regularization=10 --set blend.als=0.5 (repeatable).")
    var overrides: [String] = []
    @Option(help: "The study's published Table 1 as CSV (header model,precision,recall,ndcg), printed beside ours with --protocol paper; recworker does not bundle it.")
    var paperTable: String?
    @Option(help: "Write <prefix>.csv, <prefix>.json and (with demographics from --movielens) <prefix>-groups.csv.")
    var output = "results/evaluation"
    @OptionGroup var llmRerank: LLMRerankOptions
    @OptionGroup var transactions: TransactionEvaluationOptions
    @Option(help: "Diversity rerank strength λ (docs/diversity.md); a comma-separated list evaluates every model at each λ (the curve to choose λ on with --validation); --rerank llm uses the last.")
    var diversity = "0"
    @Option(help: "Weight of genre redundancy against novelty inside the diversity rerank.")
    var diversityGenreWeight = DiversityReranker.defaultGenreWeight
    @OptionGroup var diversityChoice: DiversityChoiceOptions

    func validate() throws {
        if (train == nil) != (test == nil) { throw ValidationError("--train and --test go together: pass both or neither") }
        if train == nil && movielens == nil { throw ValidationError("pass --movielens DIR, or --train FILE --test FILE") }
        guard k > 0 else { throw ValidationError("--k must be positive") }
        if paperTable != nil && `protocol` != .paper { throw ValidationError("--paper-table goes with --protocol paper") }
        let lambdas = try diversityLambdas()
        if `protocol` == .paper && (lambdas != [0] || diversityChoice.chooseDiversity) {
            throw ValidationError("--diversity needs a top-K protocol: full-catalog or leave-one-out")
        }
    }

    func diversityLambdas() throws -> [Double] {
        try diversity.split(separator: ",").map { text in
            guard let lambda = Double(text.trimmingCharacters(in: .whitespaces)), lambda >= 0, lambda.isFinite else {
                throw ValidationError("--diversity takes non-negative numbers, e.g. 0.6 or 0,0.2,0.4,0.6")
            }
            return lambda
        }
    }

    func run() async throws {
        let dataset = try movielens.map { try MovieLensDataset.load(from: $0) }
        var split: RatingSplit
        if let train, let test {
            split = RatingSplit(train: try MovieLensDataset.loadRatings(path: train), test: try MovieLensDataset.loadRatings(path: test))
        } else {
            let ratings = dataset!.ratings
            split = `protocol` == .leaveOneOut ? .leaveLatestOut(ratings) : .perUserRandom(ratings, seed: seed)
        }
        if validation { split = .perUserRandom(split.train, seed: 7) }
        let catalogue = dataset?.items.map(\.id) ?? Array(Set((split.train + split.test).map(\.itemID))).sorted()
        let variants = try transactions.variants(train: split.train, items: dataset?.items, catalogue: catalogue, seed: seed)
        let data = variants[0].data
        var hyperparameters = ModelHyperparameters()
        var blend = CandidateBlend.default
        for assignment in overrides where try !blend.set(assignment) { try hyperparameters.set(assignment) }
        var lambdas = try diversityLambdas()
        var choice: DiversityChoice?
        if diversityChoice.chooseDiversity {
            let chosen = try diversityChoice.choose(
                train: split.train, grid: lambdas, k: k, items: dataset?.items, genreWeight: diversityGenreWeight, blend: blend,
                hyperparameters: hyperparameters) { ratings in
                try transactions.variants(train: ratings, items: dataset?.items, catalogue: catalogue, seed: seed)[0].data
            }
            choice = chosen
            lambdas = Array(Set([0, chosen.chosen])).sorted()
        }
        // Leave-one-out counts the held-out item as relevant whatever its rating.
        let relevanceThreshold: Float? = `protocol` == .leaveOneOut ? nil : 4
        let evaluators: [(suffix: String, lambda: Double, evaluator: any OfflineEvaluator)] = switch `protocol` {
        case .fullCatalog, .leaveOneOut: lambdas.map { lambda in
            (lambda > 0 ? " div=\(lambda)" : "", lambda,
             TopNEvaluator(k: k, relevanceThreshold: relevanceThreshold, items: dataset?.items,
                          diversity: DiversityReranker(lambda: lambda, genreWeight: diversityGenreWeight)))
        }
        case .paper: [("", 0, HeldOutRankingEvaluator(k: k, relevanceThreshold: relevanceThreshold ?? 4))]
        }
        var results = [TopNEvaluator.ModelResult]()
        for name in models.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
            for variant in variants {
                let data = variant.data
                if name == ColdStartEvaluation.modelName {
                    guard let dataset, `protocol` != .paper else {
                        throw ValidationError("the cold-start row needs --movielens DIR (demographics) and a top-K protocol")
                    }
                    for (suffix, lambda, _) in evaluators {
                        var result = try ColdStartEvaluation(data: data, dataset: dataset)
                            .result(test: split.test, k: k, relevanceThreshold: relevanceThreshold, lambda: lambda)
                        result.name += variant.suffix + suffix
                        results.append(result)
                    }
                    continue
                }
                let start = ContinuousClock.now
                let model: any RecommenderModel
                if name == "blend" {
                    model = try blend.fit(data: data, hyperparameters: hyperparameters)
                } else {
                    guard let kind = ModelKind(rawValue: name), kind != .content else {
                        throw ValidationError("unknown model \(name): use \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")) or blend")
                    }
                    model = try hyperparameters.fit(kind, data: data)
                }
                let seconds = (ContinuousClock.now - start).seconds
                for (suffix, _, evaluator) in evaluators {
                    var result = evaluator.evaluate(name: name, model: model, data: data, test: split.test, trainSeconds: seconds)
                    result.name += variant.suffix + suffix
                    FileHandle.standardError.write(Data("\(result.name): NDCG@\(k) \(String(format: "%.4f", result.metrics.ndcg)) coverage \(String(format: "%.4f", result.coverage)) in \(String(format: "%.2f", result.trainSeconds)) s\n".utf8))
                    results.append(result)
                }
            }
        }
        let llmRows = try await llmRerank.rows(dataset: dataset, split: split, data: data, k: k, relevanceThreshold: relevanceThreshold,
                                               blend: blend, hyperparameters: hyperparameters,
                                               diversity: DiversityReranker(lambda: lambdas.last ?? 0,
                                                                            genreWeight: diversityGenreWeight))
        results += llmRows?.results ?? []
        let groups = dataset.flatMap { $0.users.isEmpty ? nil : GroupBreakdown(results: results, users: $0.users) }
        var notes = [String]()
        if let note = dataset?.demographicsNote { notes.append(note) }
        var published: PublishedTable?
        if `protocol` == .paper {
            notes += PaperProtocol.unspecified
            if let paperTable {
                guard let text = FileManager.default.contents(atPath: paperTable) else {
                    throw ValidationError("cannot read --paper-table \(paperTable): pass a readable CSV with the header model,precision,recall,ndcg")
                }
                published = try PublishedTable.parse(csv: String(decoding: text, as: UTF8.self), source: paperTable)
            } else {
                notes.insert(PaperProtocol.notBundled, at: 0)
            }
        }
        let report = EvaluationReport(protocolName: `protocol`.rawValue + (validation ? " (validation)" : ""), k: k, results: results,
                                      groups: groups, published: published, notes: notes)
        if let choice { print(choice.markdown + "\n") }
        print(report.markdown)
        if let llmRows { print(llmRows.markdown) }
        try write(report)
        try llmRows?.write(prefix: output)
    }

    private func write(_ report: EvaluationReport) throws {
        let folder = URL(fileURLWithPath: output).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try report.csv.write(toFile: output + ".csv", atomically: true, encoding: .utf8)
        try report.json().write(toFile: output + ".json", atomically: true, encoding: .utf8)
        var written = ["\(output).csv", "\(output).json"]
        if let groupCSV = report.groupCSV {
            try groupCSV.write(toFile: output + "-groups.csv", atomically: true, encoding: .utf8)
            written.append("\(output)-groups.csv")
        }
        FileHandle.standardError.write(Data("wrote \(written.joined(separator: ", "))\n".utf8))
    }
}
