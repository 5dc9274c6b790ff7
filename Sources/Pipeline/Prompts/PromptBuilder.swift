/// Renders a Chat-REC style rerank prompt: profile summary (the LLM-written one when stored, else the template),
/// recent history, candidates, task.
///
/// Pure and deterministic, so prompts can be golden-tested and hashed for the response cache. The prompt
/// never contains the user id (the request carries a pseudonym separately) and shows demographics only
/// when `PromptConfig.includeDemographics` is on. Candidates get positional short ids (`C1`, `C2`, …):
/// they cost fewer tokens than catalogue ids, and carry nothing a model could match against its
/// training data, which keeps the answer about the titles shown.
public struct PromptBuilder: Sendable {
    public var config: PromptConfig

    public init(config: PromptConfig = PromptConfig()) { self.config = config }

    public static let systemMessage =
        "You are a movie recommender. You rerank candidate movies for one user and explain each choice in one short sentence. Answer only with JSON."

    /// Builds the prompt for `request`, showing its candidates in the given order.
    ///
    /// Truncation when the estimate exceeds the budget: history first (oldest entries go, down to
    /// `minHistory`), then candidates (the model's lowest-ranked go, down to the ranked count), then the
    /// rest of the history. Dropped candidates are not lost: grounding appends them in model order.
    public func prompt(for request: RerankRequest) -> RerankPrompt {
        let candidates = Array(request.candidates.prefix(config.maxCandidates))
        var historyCount = min(config.maxHistory, request.profile.recentHistory.count)
        var candidateCount = candidates.count
        let rankCount = min(request.limit, candidates.count)
        let summary = ProfileSummary.forPrompt(request.profile, includeDemographics: config.includeDemographics)

        func render() -> RerankPrompt {
            let shown = Array(candidates.prefix(candidateCount))
            let ids = shown.indices.map { "C\($0 + 1)" }
            let user = userMessage(
                summary: summary, history: Array(request.profile.recentHistory.prefix(historyCount)),
                candidates: zip(ids, shown.map(\.item)).map { ($0, $1) }, rankCount: rankCount)
            let estimate = TokenEstimate.tokens(inMessages: [Self.systemMessage, user])
            return RerankPrompt(
                system: Self.systemMessage, user: user, shownIDs: ids, shownItemIDs: shown.map(\.item.id),
                rankCount: rankCount, historyShown: historyCount, estimatedPromptTokens: estimate,
                maxCompletionTokens: 16 + rankCount * config.completionTokensPerItem,
                withinBudget: estimate <= config.promptTokenBudget)
        }

        var prompt = render()
        while !prompt.withinBudget {
            if historyCount > config.minHistory {
                historyCount -= 1
            } else if candidateCount > rankCount {
                candidateCount -= 1
            } else if historyCount > 0 {
                historyCount -= 1
            } else {
                break
            }
            prompt = render()
        }
        return prompt
    }

    func userMessage(summary: String, history: [HistoryEntry], candidates: [(String, Item)], rankCount: Int) -> String {
        var lines = ["User profile: \(summary)", ""]
        if history.isEmpty {
            lines.append("Recent history: none yet.")
        } else {
            lines.append("Recent history, newest first:")
            for entry in history {
                lines.append("- \(Self.describe(entry.item)) | \(Self.describe(entry))")
            }
        }
        lines.append("")
        lines.append("Candidates:")
        for (id, item) in candidates {
            lines.append("\(id): \(Self.describe(item))")
        }
        lines.append("")
        lines.append(
            "Task: pick the \(rankCount) candidates this user will most enjoy, best first. Use only the ids above, "
                + "each at most once. For each, give a reason under \(config.reasonMaxCharacters) characters that "
                + "refers to the user's taste. Answer as JSON: {\"ranking\":[{\"id\":\"C1\",\"reason\":\"…\"}]}")
        return lines.joined(separator: "\n")
    }

    static func describe(_ item: Item) -> String {
        let title = item.year.map { "\(item.title) (\($0))" } ?? item.title
        return item.genres.isEmpty ? title : "\(title) | \(item.genres.joined(separator: ", "))"
    }

    static func describe(_ entry: HistoryEntry) -> String {
        switch entry.type {
        case .rating:
            let value = entry.value == entry.value.rounded() ? String(Int(entry.value)) : ProfileSummary.format(entry.value)
            return "rated \(value)/5"
        case .view: return "viewed"
        case .watch: return "watched"
        case .purchase: return "bought"
        case .click: return "clicked"
        }
    }
}
