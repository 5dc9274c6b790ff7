import AsyncHTTPClient
import Logging
import Pipeline

/// The one way the worker talks to an LLM: run budget, circuit breaker, rate limiter and retries
/// around `ChatCompletionsClient`. Share one gateway between everything that calls the same
/// endpoint (reranking, profile summaries) so the limits hold for the process as a whole.
public struct LLMGateway: Sendable {
    public let client: ChatCompletionsClient
    public let limits: LLMLimits
    public let limiter: RateLimiter
    public let breaker: CircuitBreaker
    public let budget: RunBudget
    public let stats: LLMStats
    let logger: Logger

    /// - Parameter httpClient: owned by the caller; the default `HTTPClient.llm` needs no shutdown.
    public init(
        endpoint: LLMEndpoint, limits: LLMLimits = LLMLimits(), timeout: Duration = .seconds(60),
        httpClient: HTTPClient = .llm, logger: Logger = Logger(label: "recworker.llm")
    ) {
        client = ChatCompletionsClient(endpoint: endpoint, timeout: timeout, httpClient: httpClient)
        self.limits = limits
        limiter = RateLimiter(limits: limits)
        breaker = CircuitBreaker(threshold: limits.breakerThreshold, cooldown: limits.breakerCooldown)
        budget = RunBudget(maxRequests: limits.maxRequests, maxTokens: limits.maxTokens)
        stats = LLMStats()
        self.logger = logger
    }

    public var model: String { client.endpoint.model }

    /// Sends `chat`, retrying what may succeed later with jittered exponential backoff (never sooner
    /// than the endpoint's `Retry-After`). Throws the last `LLMError` when attempts, budget or the
    /// circuit say stop; `CancellationError` when the task is cancelled.
    public func complete(_ chat: ChatRequest) async throws -> ChatCompletion {
        var attempt = 0
        while true {
            try await breaker.permit()
            try await budget.reserve(tokens: chat.estimatedTokens)
            let permit = try await limiter.acquire(estimatedTokens: chat.estimatedTokens)
            await stats.sent()
            do {
                let completion = try await client.complete(chat, logger: logger)
                let used = completion.usage?.totalTokens
                await limiter.finish(permit, usedTokens: used, hints: completion.hints)
                await budget.settle(estimate: chat.estimatedTokens, used: used)
                await breaker.recordSuccess()
                await stats.succeeded(usage: completion.usage)
                return completion
            } catch let error as LLMError {
                await limiter.finish(permit, usedTokens: nil, hints: nil)
                await breaker.record(error)
                await stats.failed(error)
                attempt += 1
                guard error.isRetryable, attempt < limits.maxAttempts else { throw error }
                let delay = backoff(attempt: attempt, error: error)
                if case .rateLimited(let retryAfter?) = error { await limiter.pause(for: retryAfter) }
                logger.info("LLM call failed, retrying", metadata: [
                    "attempt": "\(attempt)", "delay_ms": "\(delay.nanoseconds / 1_000_000)", "error": "\(error)",
                ])
                await stats.retried()
                try await Task.sleep(for: delay)
            } catch {
                await limiter.finish(permit, usedTokens: nil, hints: nil)
                throw error
            }
        }
    }

    /// Full jitter: uniform in [0, min(cap, base · 2^(attempt-1))], at least the server's Retry-After.
    func backoff(attempt: Int, error: LLMError) -> Duration {
        let ceiling = min(limits.backoffCap.seconds, limits.backoffBase.seconds * Double(1 << min(attempt - 1, 20)))
        let jittered = Duration.milliseconds(Int64(Double.random(in: 0...max(0, ceiling)) * 1000))
        if case .rateLimited(let retryAfter?) = error { return max(jittered, retryAfter) }
        return jittered
    }
}
