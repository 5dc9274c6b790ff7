import AsyncHTTPClient
import Logging
import Pipeline

/// Chat-REC style reranking through an OpenAI-compatible endpoint: prompt → (cache) → limited,
/// retried call → tolerant parse → grounding. Throws `LLMError` when no usable answer could be had;
/// `FallbackReranker` turns that into the model's order with template explanations.
public struct OpenAIReranker: Reranker {
    public var configuration: RerankerConfiguration
    let client: ChatCompletionsClient
    let logger: Logger

    /// - Parameter httpClient: owned by the caller; the default `HTTPClient.shared` needs no shutdown.
    public init(
        endpoint: LLMEndpoint, configuration: RerankerConfiguration = RerankerConfiguration(),
        httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "recworker.llm")
    ) {
        self.configuration = configuration
        self.client = ChatCompletionsClient(endpoint: endpoint, timeout: configuration.timeout, httpClient: httpClient)
        self.logger = logger
    }

    public func rerank(_ request: RerankRequest) async throws -> RerankResult {
        let prompt = PromptBuilder(config: configuration.prompt).prompt(for: request)
        let chat = chatRequest(for: prompt, userID: request.userID)
        let completion = try await client.complete(chat, logger: logger)
        let answer = RerankAnswer.parse(completion.content, itemIDByShortID: prompt.itemIDByShortID)
        guard !answer.picks.isEmpty else {
            throw LLMError.unusableAnswer("\(answer.unknownIDs.count) unknown ids in \(completion.content.prefix(120))")
        }
        return RerankResult(items: Grounding.ground(answer.picks, in: request), source: .llm, usage: completion.usage)
    }

    func chatRequest(for prompt: RerankPrompt, userID: Int) -> ChatRequest {
        ChatRequest(
            model: client.endpoint.model,
            messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: prompt.user)],
            temperature: configuration.temperature, maxTokens: prompt.maxCompletionTokens,
            responseFormat: configuration.structuredOutput.responseFormat(for: prompt, reasonMaxCharacters: configuration.prompt.reasonMaxCharacters),
            user: configuration.pseudonymizer?.pseudonym(for: userID), estimatedTokens: prompt.estimatedTotalTokens)
    }
}

/// How reranking prompts are built and sent.
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

    public init(
        prompt: PromptConfig = PromptConfig(), structuredOutput: StructuredOutput = .jsonSchema,
        timeout: Duration = .seconds(60), temperature: Double = 0, pseudonymizer: Pseudonymizer? = nil
    ) {
        self.prompt = prompt
        self.structuredOutput = structuredOutput
        self.timeout = timeout
        self.temperature = temperature
        self.pseudonymizer = pseudonymizer
    }
}
