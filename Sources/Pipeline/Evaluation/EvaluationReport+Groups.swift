extension EvaluationReport {
    /// NDCG@K per group, then (when measured) novelty and popularity lift per group: one row per group, one
    /// column per model.
    func groupTables(_ groups: GroupBreakdown) -> [String] {
        var tables = [groupTable(groups, title: "NDCG@\(k) per group") { $0.metrics.ndcg }]
        if groups.rows.contains(where: { $0.quality != nil }) {
            tables.append(groupTable(groups, title: "Intra-list diversity (genre) per group") { $0.quality?.diversity })
            tables.append(groupTable(groups, title: "Novelty (mean self-information, bits) per group") { $0.quality?.novelty })
            tables.append(groupTable(groups, title: "Popularity lift against the user's history per group") { $0.quality?.popularityLift })
        }
        return tables
    }

    private func groupTable(_ groups: GroupBreakdown, title: String, value: (GroupBreakdown.Row) -> Double?) -> String {
        let models = results.map(\.name)
        var lines = [title,
                     "",
                     "| Grouping | Group | Users | " + models.joined(separator: " | ") + " |",
                     "|---|---|---:|" + String(repeating: "---:|", count: models.count)]
        var cells = [String: [String: GroupBreakdown.Row]]()
        var order = [(grouping: String, group: String)]()
        for row in groups.rows {
            let key = row.grouping + "\u{1F}" + row.group
            if cells[key] == nil { order.append((row.grouping, row.group)) }
            cells[key, default: [:]][row.model] = row
        }
        for (grouping, group) in order {
            let byModel = cells[grouping + "\u{1F}" + group]!
            let users = byModel.values.first?.users ?? 0
            lines.append("| \(grouping) | \(group) | \(users) | "
                + models.map { byModel[$0].flatMap(value).map { Self.format($0) } ?? "–" }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// Best and worst group per model and grouping, and the gap between them.
    func fairnessTable(_ groups: GroupBreakdown) -> String {
        var lines = ["Fairness: NDCG@\(k) gap between the best and worst group (groups with ≥ \(groups.minimumGroupSize) evaluated users)",
                     "",
                     "| Model | Grouping | Best group | NDCG | Worst group | NDCG | Gap |",
                     "|---|---|---|---:|---|---:|---:|"]
        for gap in groups.gaps {
            lines.append("| \(gap.model) | \(gap.grouping) | \(gap.bestGroup) | \(Self.format(gap.bestNDCG)) | "
                + "\(gap.worstGroup) | \(Self.format(gap.worstNDCG)) | \(Self.format(gap.gap)) |")
        }
        return lines.joined(separator: "\n")
    }

    /// `model,grouping,group,users,precision,recall,ndcg,hit_rate,diversity,novelty,popularity_lift`, one line per model and group.
    public var groupCSV: String? {
        guard let groups else { return nil }
        var lines = ["model,protocol,k,grouping,group,users,precision,recall,ndcg,hit_rate,diversity,novelty,popularity_lift"]
        for row in groups.rows {
            let m = row.metrics
            let q = [row.quality?.diversity, row.quality?.novelty, row.quality?.popularityLift].map { $0.map { Self.format($0, digits: 6) } ?? "" }
            lines.append([Self.csvField(row.model), protocolName, String(k), Self.csvField(row.grouping), Self.csvField(row.group),
                          String(row.users), Self.format(m.precision, digits: 6), Self.format(m.recall, digits: 6),
                          Self.format(m.ndcg, digits: 6), Self.format(m.hitRate, digits: 6)].joined(separator: ",") + "," + q.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ value: String) -> String {
        value.contains(",") || value.contains("\"") ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}
