import Foundation

/// The comparison table `recworker evaluate` prints (Markdown) and writes (CSV, JSON), with the per-group
/// breakdown and fairness summary when demographics are known, and the study's published table beside ours
/// when one is supplied.
public struct EvaluationReport: Sendable {
    public var protocolName: String
    public var k: Int
    public var results: [TopNEvaluator.ModelResult]
    public var groups: GroupBreakdown?
    public var published: PublishedTable?
    /// Plain statements printed under the table (e.g. what a protocol leaves unspecified).
    public var notes: [String]

    public init(protocolName: String, k: Int, results: [TopNEvaluator.ModelResult], groups: GroupBreakdown? = nil,
                published: PublishedTable? = nil, notes: [String] = []) {
        self.protocolName = protocolName
        self.k = k
        self.results = results
        self.groups = groups
        self.published = published
        self.notes = notes
    }

    static func format(_ value: Double, digits: Int = 4) -> String { String(format: "%.\(digits)f", value) }

    public var markdown: String {
        var sections = [modelTable]
        if let published { sections.append(published.markdown(k: k)) }
        if !notes.isEmpty { sections.append(notes.map { "- \($0)" }.joined(separator: "\n")) }
        if let groups { sections += groupTables(groups); sections.append(fairnessTable(groups)) }
        return sections.joined(separator: "\n\n")
    }

    private var measuresQuality: Bool { results.contains { $0.quality != nil } }

    private var modelTable: String {
        let quality = measuresQuality
        var lines = [
            "| Model | Precision@\(k) | Recall@\(k) | NDCG@\(k) | HitRate@\(k) | Coverage | Train s |"
                + (quality ? " Diversity | Novelty | Pop. lift | Gini |" : ""),
            "|---|---:|---:|---:|---:|---:|---:|" + (quality ? "---:|---:|---:|---:|" : ""),
        ]
        for result in results {
            let m = result.metrics
            var line = "| \(result.name) | \(Self.format(m.precision)) | \(Self.format(m.recall)) | \(Self.format(m.ndcg)) | "
                + "\(Self.format(m.hitRate)) | \(Self.format(result.coverage)) | \(Self.format(result.trainSeconds, digits: 3)) |"
            if quality {
                let cells = [result.quality?.diversity, result.quality?.novelty, result.quality?.popularityLift, result.exposureGini]
                line += cells.map { " \($0.map { Self.format($0) } ?? "–") |" }.joined()
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    public var csv: String {
        var lines = ["model,protocol,k,precision,recall,ndcg,hit_rate,coverage,train_seconds,users,diversity,novelty,popularity_lift,exposure_gini"]
        for result in results {
            let m = result.metrics
            let quality = [result.quality?.diversity, result.quality?.novelty, result.quality?.popularityLift, result.exposureGini]
                .map { $0.map { Self.format($0, digits: 6) } ?? "" }
            lines.append(([result.name, protocolName, String(k), Self.format(m.precision, digits: 6), Self.format(m.recall, digits: 6),
                           Self.format(m.ndcg, digits: 6), Self.format(m.hitRate, digits: 6), Self.format(result.coverage, digits: 6),
                           Self.format(result.trainSeconds, digits: 4), String(result.users.count)] + quality).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() throws -> String {
        struct Row: Codable {
            var model: String, precision: Double, recall: Double, ndcg: Double, hitRate: Double
            var coverage: Double, trainSeconds: Double, users: Int
            var diversity: Double?, novelty: Double?, popularityLift: Double?, exposureGini: Double?
        }
        struct GapRow: Codable {
            var model: String, grouping: String, bestGroup: String, bestNdcg: Double, worstGroup: String, worstNdcg: Double, gap: Double
        }
        struct Document: Codable {
            var protocolName: String, k: Int, results: [Row]
            var groups: [GroupBreakdown.Row]?, fairness: [GapRow]?, minimumGroupSize: Int?
            var published: [PublishedTable.Row]?, publishedSource: String?, notes: [String]
        }
        let document = Document(protocolName: protocolName, k: k, results: results.map {
            Row(model: $0.name, precision: $0.metrics.precision, recall: $0.metrics.recall, ndcg: $0.metrics.ndcg,
                hitRate: $0.metrics.hitRate, coverage: $0.coverage, trainSeconds: $0.trainSeconds, users: $0.users.count,
                diversity: $0.quality?.diversity, novelty: $0.quality?.novelty, popularityLift: $0.quality?.popularityLift,
                exposureGini: $0.exposureGini)
        }, groups: groups?.rows, fairness: groups?.gaps.map {
            GapRow(model: $0.model, grouping: $0.grouping, bestGroup: $0.bestGroup, bestNdcg: $0.bestNDCG,
                   worstGroup: $0.worstGroup, worstNdcg: $0.worstNDCG, gap: $0.gap)
        }, minimumGroupSize: groups?.minimumGroupSize, published: published?.rows, publishedSource: published?.source, notes: notes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}
