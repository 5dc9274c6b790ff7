import Foundation
import Pipeline

/// What `recworker calibrate` prints (Markdown) and writes (JSON).
struct CalibrationReport: Codable {
    var k: Int
    var users: Int
    var llmFailures: Int
    var seed: UInt64
    var candidates: Int
    var model: String
    var results: [FusionCalibration.WeightResult]
    var chosenWeight: Double
    var configKey = "llm.fusion_weight"

    var markdown: String {
        var lines = [
            "Validation split of the training ratings, \(users) sampled users (seed \(seed)), \(candidates) candidates, "
                + "LLM \(model) (\(llmFailures) failed calls kept the model's order).",
            "",
            "| LLM weight | NDCG@\(k) | ± s.e. | 95 % CI | gain over model | ± s.e. | gain 95 % CI |",
            "|---:|---:|---:|---|---:|---:|---|",
        ]
        for result in results {
            let (n, g) = (result.ndcg, result.gainOverModel)
            lines.append("| \(f(result.weight, 2))\(result.weight == chosenWeight ? " ←" : "") | \(f(n.mean)) | \(f(n.standardError)) | "
                + "[\(f(n.lower95)), \(f(n.upper95))] | \(f(g.mean, signed: true)) | \(f(g.standardError)) | "
                + "[\(f(g.lower95, signed: true)), \(f(g.upper95, signed: true))] |")
        }
        lines += ["", "Chosen weight: \(f(chosenWeight, 2)) (best mean NDCG@\(k); ties go to the lower weight). Set it with:",
                  "", "    \(configKey): \(chosenWeight)"]
        return lines.joined(separator: "\n")
    }

    func write(to path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }

    private func f(_ value: Double, _ digits: Int = 4, signed: Bool = false) -> String {
        String(format: signed ? "%+.\(digits)f" : "%.\(digits)f", value)
    }
}
