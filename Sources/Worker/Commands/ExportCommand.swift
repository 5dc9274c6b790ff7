import ArgumentParser
import Foundation
import Pipeline

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export data sets derived from the catalogue and ratings.",
        subcommands: [ExportFinetuneCommand.self])
}

/// `recworker export finetune --users 200 --seed 42 --out FILE [--format dpo]`: the study's fine-tuning
/// set (200 users) as OpenAI chat fine-tuning JSONL, or DPO preference pairs.
struct ExportFinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune", abstract: "Write rerank fine-tuning JSONL: prompt → ideal ranking from held-out ratings, with explanations.")

    @Option(help: "MovieLens folder in any GroupLens layout (ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-latest).") var movielens: String
    @Option(help: "Users to sample.") var users = 200
    @Option(help: "Sampling seed.") var seed: UInt64 = 42
    @Option(help: "Output file (JSONL).") var out: String
    @Option(help: "chat (OpenAI chat fine-tuning) or dpo (preference pairs).") var format: String = FinetuneExamples.Format.chat.rawValue
    @Option(help: "Latest ratings per user held out as the target.") var heldOut = 10
    @Option(help: "Candidates per prompt.") var candidates = 20
    @Option(help: "Ranked entries per target.") var limit = 10
    @Flag(help: "Privacy switch: include age, gender and occupation in the prompts.") var includeDemographics = false

    func run() throws {
        guard let format = FinetuneExamples.Format(rawValue: format) else {
            throw ValidationError("--format must be one of \(FinetuneExamples.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let dataset = try MovieLensDataset.load(from: movielens)
        let examples = FinetuneExamples(
            prompt: PromptConfig(maxCandidates: candidates, includeDemographics: includeDemographics),
            heldOut: heldOut, candidates: candidates, limit: limit)
        let lines = examples.lines(dataset: dataset, users: users, seed: seed, format: format)
        let text = lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        do {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(out): \(error.localizedDescription)")
        }
        print("wrote \(lines.count) \(format.rawValue) examples to \(out)")
    }
}
