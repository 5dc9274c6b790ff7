import Logging
import Pipeline

/// LLM-written profile summaries through an OpenAI-compatible endpoint, sharing the reranker's gateway (so the same
/// rate limits, run budget and circuit breaker hold for both), its response cache and its privacy rules: no user
/// id in the prompt, the keyed pseudonym in the `user` field, demographics only when allowed. Every answer passes
/// `SummaryCheck`; a refused one yields the template, stored with the model's name so it is not asked again until
/// the profile changes materially.
public struct OpenAIProfileSummarizer: ProfileSummarizer {
    public let gateway: LLMGateway
    public var configuration: RerankerConfiguration
    /// Longest summary accepted; longer answers are refused.
    public var maxCharacters: Int
    let cache: (any ResponseCache)?
    let logger: Logger

    public init(gateway: LLMGateway, configuration: RerankerConfiguration, maxCharacters: Int = 400,
                cache: (any ResponseCache)? = nil, logger: Logger = Logger(label: "recworker.llm")) {
        self.gateway = gateway
        self.configuration = configuration
        self.maxCharacters = maxCharacters
        self.cache = cache
        self.logger = logger
    }

    public var includeDemographics: Bool { configuration.prompt.includeDemographics }

    public func summarize(_ profile: UserProfile) async throws -> SummaryOutcome {
        let prompt = SummaryPrompt(profile: profile, includeDemographics: includeDemographics, maxCharacters: maxCharacters,
                                   historyCount: configuration.prompt.maxHistory)
        let pseudonym = configuration.pseudonymizer?.pseudonym(for: profile.userID)
        let check = SummaryCheck(maxCharacters: maxCharacters, includeDemographics: includeDemographics)
        let chat = ChatRequest(
            model: gateway.model,
            messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: prompt.user)],
            temperature: configuration.temperature, maxTokens: prompt.maxCompletionTokens, responseFormat: nil,
            user: pseudonym, estimatedTokens: prompt.estimatedTotalTokens)
        let call = CachedCompletionCall(gateway: gateway, cache: cache, ttl: configuration.cacheTTL, logger: logger)
        let answer = try await call.answer(
            chat, userID: profile.userID,
            parse: { check.verdict(on: $0, profile: profile, prompt: prompt.system + "\n" + prompt.user, pseudonym: pseudonym) },
            isUsable: { if case .accepted = $0 { true } else { false } })
        let basis = SummaryBasis(profile: profile)
        switch answer.value {
        case .accepted(let text):
            return SummaryOutcome(
                summary: WrittenSummary(text: text, source: .llm, model: gateway.model, basis: basis, withDemographics: includeDemographics),
                usage: answer.usage, refusal: nil)
        case .refused(let reason):
            let template = ProfileSummary.text(for: profile, includeDemographics: includeDemographics)
            return SummaryOutcome(
                summary: WrittenSummary(text: template, source: .template, model: gateway.model, basis: basis, withDemographics: includeDemographics),
                usage: answer.usage, refusal: reason)
        }
    }
}
