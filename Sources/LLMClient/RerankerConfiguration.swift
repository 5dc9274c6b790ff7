import Pipeline

/// How reranking prompts are built, sent and combined with the candidate model.
public struct RerankerConfiguration: Sendable {
    public var prompt: PromptConfig
    public var structuredOutput: StructuredOutput
    /// Whole-call limit, response body included.
    public var timeout: Duration
    /// 0 makes answers repeatable, which is also what makes caching them sound.
    public var temperature: Double
    /// When set, requests carry the user's keyed pseudonym in OpenAI's `user` field; otherwise nothing
    /// about the user's identity is sent.
    public var pseudonymizer: Pseudonymizer?
    /// Candidate orders asked per user (1: the model's order only). More samples cancel position
    /// bias by Borda count, at that many times the calls.
    public var bootstrapSamples: Int
    /// Weight of the LLM's rank against the model's score (0: model order, 1: LLM order); pick it
    /// with `recworker calibrate`.
    public var fusionWeight: Double
    /// How long cached answers are reused.
    public var cacheTTL: Duration

    public init(
        prompt: PromptConfig = PromptConfig(), structuredOutput: StructuredOutput = .jsonSchema,
        timeout: Duration = .seconds(60), temperature: Double = 0, pseudonymizer: Pseudonymizer? = nil,
        bootstrapSamples: Int = 1, fusionWeight: Double = 1, cacheTTL: Duration = .seconds(7 * 86_400)
    ) {
        self.prompt = prompt
        self.structuredOutput = structuredOutput
        self.timeout = timeout
        self.temperature = temperature
        self.pseudonymizer = pseudonymizer
        self.bootstrapSamples = bootstrapSamples
        self.fusionWeight = fusionWeight
        self.cacheTTL = cacheTTL
    }
}
