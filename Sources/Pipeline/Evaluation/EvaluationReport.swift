import Foundation

/// The comparison table `recworker evaluate` prints (Markdown) and writes (CSV, JSON).
public struct EvaluationReport: Sendable {
    public var protocolName: String
    public var k: Int
    public var results: [TopNEvaluator.ModelResult]

    public init(protocolName: String, k: Int, results: [TopNEvaluator.ModelResult]) {
        self.protocolName = protocolName
        self.k = k
        self.results = results
    }

    static func format(_ value: Double, digits: Int = 4) -> String { String(format: "%.\(digits)f", value) }

    public var markdown: String {
        var lines = [
            "| Model | Precision@\(k) | Recall@\(k) | NDCG@\(k) | HitRate@\(k) | Coverage | Train s |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for result in results {
            let m = result.metrics
            lines.append("| \(result.name) | \(Self.format(m.precision)) | \(Self.format(m.recall)) | \(Self.format(m.ndcg)) | "
                + "\(Self.format(m.hitRate)) | \(Self.format(result.coverage)) | \(Self.format(result.trainSeconds, digits: 3)) |")
        }
        return lines.joined(separator: "\n")
    }

    public var csv: String {
        var lines = ["model,protocol,k,precision,recall,ndcg,hit_rate,coverage,train_seconds,users"]
        for result in results {
            let m = result.metrics
            lines.append([result.name, protocolName, String(k), Self.format(m.precision, digits: 6), Self.format(m.recall, digits: 6),
                          Self.format(m.ndcg, digits: 6), Self.format(m.hitRate, digits: 6), Self.format(result.coverage, digits: 6),
                          Self.format(result.trainSeconds, digits: 4), String(result.users.count)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() throws -> String {
        struct Row: Codable {
            var model: String, precision: Double, recall: Double, ndcg: Double, hitRate: Double
            var coverage: Double, trainSeconds: Double, users: Int
        }
        struct Document: Codable { var protocolName: String, k: Int, results: [Row] }
        let document = Document(protocolName: protocolName, k: k, results: results.map {
            Row(model: $0.name, precision: $0.metrics.precision, recall: $0.metrics.recall, ndcg: $0.metrics.ndcg,
                hitRate: $0.metrics.hitRate, coverage: $0.coverage, trainSeconds: $0.trainSeconds, users: $0.users.count)
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}
