import Foundation

/// Turns whatever an LLM answered into a valid ranking of the request's candidates: ids that are not
/// candidates are dropped, repeats removed, and candidates the answer left out are appended in the
/// model's order, so the LLM can reorder but never invent or lose items.
public enum Grounding {
    public struct Pick: Sendable, Hashable {
        public var itemID: Int
        public var reason: String?
        public init(itemID: Int, reason: String?) {
            self.itemID = itemID
            self.reason = reason
        }
    }

    /// - Parameter gate: decides, per item, whether the LLM's reason is published or the template is.
    public static func ground(_ picks: [Pick], in request: RerankRequest, gate: ExplanationGate = .init()) -> [RankedItem] {
        let byID = Dictionary(request.candidates.map { ($0.item.id, $0) }, uniquingKeysWith: { first, _ in first })
        var seen = Set<Int>()
        var ordered = [(Candidate, String?)]()
        for pick in picks where !seen.contains(pick.itemID) {
            guard let candidate = byID[pick.itemID] else { continue }
            seen.insert(pick.itemID)
            ordered.append((candidate, pick.reason))
        }
        for candidate in request.candidates where !seen.contains(candidate.item.id) {
            seen.insert(candidate.item.id)
            ordered.append((candidate, nil))
        }
        let limited = Array(ordered.prefix(request.limit))
        let count = limited.count
        let explanations = gate.explanations(for: limited.map { (candidate: $0.0, reason: $0.1) }, request: request)
        return zip(limited, explanations).enumerated().map { rank, entry in
            // Published scores fall with rank so SQL consumers can order by either column.
            RankedItem(itemID: entry.0.0.item.id, score: Double(count - rank) / Double(count), explanation: entry.1.text,
                       explanationSource: entry.1.source)
        }
    }

    /// The model's ranking with template explanations: used when the LLM is off, over budget or failing.
    public static func modelOrder(_ request: RerankRequest) -> [RankedItem] {
        request.candidates.prefix(request.limit).map {
            RankedItem(itemID: $0.item.id, score: $0.score, explanation: TemplateExplanation.text(for: $0.item, profile: request.profile))
        }
    }
}
