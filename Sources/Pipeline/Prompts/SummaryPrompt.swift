/// The prompt that asks an LLM for a user's natural-language profile (the study's first step): the template's facts
/// and the recent history in, a few sentences of prose out.
///
/// It follows the rerank prompt's privacy rules: no user id ever, and age, gender and occupation only when
/// `includeDemographics` is on. Pure and deterministic, so identical profiles hit the response cache.
public struct SummaryPrompt: Sendable, Hashable {
    public var system: String
    public var user: String
    public var maxCompletionTokens: Int
    public var estimatedPromptTokens: Int

    public var estimatedTotalTokens: Int { estimatedPromptTokens + maxCompletionTokens }

    /// - Parameters:
    ///   - maxCharacters: the longest summary accepted (`SummaryCheck`); the prompt asks for well under it.
    ///   - historyCount: history entries shown, newest first.
    public init(profile: UserProfile, includeDemographics: Bool, maxCharacters: Int, historyCount: Int) {
        let target = max(80, maxCharacters * 2 / 3)
        system = """
            You describe a movie viewer's taste for a recommender system. Write two or three plain sentences, \
            under \(target) characters, about what they enjoy and how they rate. \
            \(includeDemographics ? "" : "Do not guess or mention age, gender, pronouns, job or location. ")\
            Never mention ids or numbers of ids. Answer with the description only.
            """
        var lines = ["Facts: \(ProfileSummary.text(for: profile, includeDemographics: includeDemographics))"]
        let history = profile.recentHistory.prefix(historyCount)
        if !history.isEmpty {
            lines.append("Recent history, newest first:")
            for entry in history { lines.append("- \(PromptBuilder.describe(entry.item)) | \(PromptBuilder.describe(entry))") }
        }
        lines.append("Describe this viewer's taste.")
        user = lines.joined(separator: "\n")
        maxCompletionTokens = 16 + maxCharacters / TokenEstimate.bytesPerToken
        estimatedPromptTokens = TokenEstimate.tokens(inMessages: [system, user])
    }
}
