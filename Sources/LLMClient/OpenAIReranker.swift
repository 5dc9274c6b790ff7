import AsyncHTTPClient
import Logging
import Pipeline

/// Chat-REC style reranking through an OpenAI-compatible endpoint: prompt → cache → gateway (budget,
/// breaker, limiter, retries) → tolerant parse → optional bootstrap (Borda over shuffled orders) →
/// fusion with the model score → grounding.
///
/// Throws when no usable answer could be had (`LLMError`); wrap it in `FallbackReranker` to publish
/// the model's order with template explanations instead.
public struct OpenAIReranker: Reranker, LLMRankingSource {
    public let gateway: LLMGateway
    public var configuration: RerankerConfiguration
    let cache: (any ResponseCache)?
    let logger: Logger

    /// A reranker with its own gateway. `httpClient` is owned by the caller; the default
    /// `HTTPClient.llm` needs no shutdown.
    public init(
        endpoint: LLMEndpoint, configuration: RerankerConfiguration = RerankerConfiguration(), limits: LLMLimits = LLMLimits(),
        cache: (any ResponseCache)? = nil, httpClient: HTTPClient = .llm, logger: Logger = Logger(label: "recworker.llm")
    ) {
        self.init(
            gateway: LLMGateway(endpoint: endpoint, limits: limits, timeout: configuration.timeout, httpClient: httpClient, logger: logger),
            configuration: configuration, cache: cache, logger: logger)
    }

    /// A reranker sharing `gateway` (and so its limits and budget) with other LLM users.
    public init(gateway: LLMGateway, configuration: RerankerConfiguration = RerankerConfiguration(), cache: (any ResponseCache)? = nil, logger: Logger = Logger(label: "recworker.llm")) {
        self.gateway = gateway
        self.configuration = configuration
        self.cache = cache
        self.logger = logger
    }

    public func rerank(_ request: RerankRequest) async throws -> RerankResult {
        guard !request.candidates.isEmpty else { return RerankResult(items: [], source: request.candidateSource, usage: nil) }
        let ranking = try await llmRanking(request)
        return RankFusion.result(for: request, ranking: ranking, weight: configuration.fusionWeight,
                                 gate: ExplanationGate(reasonLimit: configuration.prompt.reasonMaxCharacters))
    }

    /// The LLM's aggregated opinion of the candidates, before fusion: what `recworker calibrate` needs
    /// to try many fusion weights for the price of one call per sample.
    public func llmRanking(_ request: RerankRequest) async throws -> LLMRanking {
        let shownCount = min(request.candidates.count, configuration.prompt.maxCandidates)
        let orders = BootstrapOrders.permutations(
            count: shownCount, samples: configuration.bootstrapSamples, seed: UInt64(truncatingIfNeeded: request.userID))
        let outcomes = await withTaskGroup(of: Result<SampleAnswer, any Error>.self) { group in
            for order in orders {
                var shuffled = request
                shuffled.candidates = order.map { request.candidates[$0] } + request.candidates.dropFirst(shownCount)
                group.addTask { await Result { try await self.answer(shuffled) } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let answers = outcomes.compactMap { try? $0.get() }
        guard !answers.isEmpty else {
            let errors = outcomes.compactMap { outcome -> (any Error)? in if case .failure(let error) = outcome { return error }; return nil }
            throw errors.first { $0 is CancellationError } ?? errors.first ?? LLMError.unusableAnswer("no samples")
        }
        var reasons = [Int: String]()
        for answer in answers {
            for pick in answer.answer.picks { if let reason = pick.reason, reasons[pick.itemID] == nil { reasons[pick.itemID] = reason } }
        }
        let usage = TokenUsage.sum(answers.map(\.usage))
        let samples = answers.map { RankFusion.Sample(shown: $0.shown, ranked: $0.answer.picks.map(\.itemID)) }
        return LLMRanking(scores: RankFusion.borda(samples), reasons: reasons, usage: usage, samples: answers.count)
    }

    struct SampleAnswer: Sendable {
        var shown: [Int]
        var answer: RerankAnswer
        /// nil for a cache hit.
        var usage: TokenUsage?
    }

    /// One prompt, answered from the cache or the endpoint. Only usable answers are cached.
    func answer(_ request: RerankRequest) async throws -> SampleAnswer {
        let prompt = PromptBuilder(config: configuration.prompt).prompt(for: request)
        let call = CachedCompletionCall(gateway: gateway, cache: cache, ttl: configuration.cacheTTL, logger: logger)
        let answer = try await call.answer(
            chatRequest(for: prompt, userID: request.userID), userID: request.userID,
            parse: { (content: $0, answer: RerankAnswer.parse($0, itemIDByShortID: prompt.itemIDByShortID)) },
            isUsable: { !$0.answer.picks.isEmpty })
        let parsed = answer.value.answer
        guard !parsed.picks.isEmpty else {
            throw LLMError.unusableAnswer("\(parsed.unknownIDs.count) unknown ids in \(answer.value.content.prefix(120))")
        }
        if answer.usage != nil, !parsed.unknownIDs.isEmpty || parsed.salvaged {
            logger.info("LLM answer repaired", metadata: ["unknown_ids": "\(parsed.unknownIDs.count)", "salvaged": "\(parsed.salvaged)"])
        }
        return SampleAnswer(shown: prompt.shownItemIDs, answer: parsed, usage: answer.usage)
    }

    func chatRequest(for prompt: RerankPrompt, userID: Int) -> ChatRequest {
        ChatRequest(
            model: gateway.model,
            messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: prompt.user)],
            temperature: configuration.temperature, maxTokens: prompt.maxCompletionTokens,
            responseFormat: configuration.structuredOutput.responseFormat(for: prompt, reasonMaxCharacters: configuration.prompt.reasonMaxCharacters),
            user: configuration.pseudonymizer?.pseudonym(for: userID), estimatedTokens: prompt.estimatedTotalTokens)
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
