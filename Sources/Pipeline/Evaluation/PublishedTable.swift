import Foundation

/// Published numbers to print beside ours (the study's Table 1). recworker does not bundle them: the user
/// supplies a CSV with the header `model,precision,recall,ndcg` (empty cells for numbers the source omits).
public struct PublishedTable: Sendable {
    public struct Row: Sendable, Hashable, Codable {
        public var model: String
        public var precision: Double?
        public var recall: Double?
        public var ndcg: Double?

        public init(model: String, precision: Double?, recall: Double?, ndcg: Double?) {
            self.model = model
            self.precision = precision
            self.recall = recall
            self.ndcg = ndcg
        }
    }

    /// Where the numbers came from (the file path), printed with them.
    public var source: String
    public var rows: [Row]

    public init(source: String, rows: [Row]) {
        self.source = source
        self.rows = rows
    }

    public static func parse(csv text: String, source: String) throws -> PublishedTable {
        var lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let expected = ["model", "precision", "recall", "ndcg"]
        guard let header = lines.first, header.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == expected else {
            throw PublishedTableError(source: source, line: 1, reason: "the first line must be the header model,precision,recall,ndcg")
        }
        lines.removeFirst()
        return PublishedTable(source: source, rows: try lines.enumerated().map { offset, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 4, !fields[0].isEmpty else {
                throw PublishedTableError(source: source, line: offset + 2, reason: "expected 4 comma-separated fields with a model name")
            }
            func number(_ field: String, _ name: String) throws -> Double? {
                if field.isEmpty { return nil }
                guard let value = Double(field) else {
                    throw PublishedTableError(source: source, line: offset + 2, reason: "\(name) \"\(field)\" is not a number (leave it empty if unknown)")
                }
                return value
            }
            return Row(model: fields[0], precision: try number(fields[1], "precision"), recall: try number(fields[2], "recall"),
                       ndcg: try number(fields[3], "ndcg"))
        })
    }

    func markdown(k: Int) -> String {
        var lines = ["Published numbers (from \(source), as supplied; not computed here)",
                     "",
                     "| Model | Precision | Recall | NDCG |",
                     "|---|---:|---:|---:|"]
        for row in rows {
            let cells = [row.precision, row.recall, row.ndcg].map { $0.map { EvaluationReport.format($0) } ?? "–" }
            lines.append("| \(row.model) | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}

public struct PublishedTableError: Error, CustomStringConvertible {
    public let source: String
    public let line: Int
    public let reason: String
    public var description: String { "\(source):\(line): \(reason)" }
}
