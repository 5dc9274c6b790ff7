/// Why an LLM call did not produce a usable answer. `isRetryable` separates what a later attempt may
/// fix (rate limits, overload, timeouts, dropped connections) from what it will not (a rejected key or
/// request, a deterministic answer with no usable ids, an exhausted budget).
public enum LLMError: Error, Sendable, CustomStringConvertible {
    /// HTTP 429; `retryAfter` from `Retry-After`/`retry-after-ms` when the endpoint sent one.
    case rateLimited(retryAfter: Duration?)
    /// HTTP 5xx.
    case server(status: Int, body: String)
    /// No complete response within the configured request timeout.
    case timeout(Duration)
    /// Connection refused, reset or closed before a response.
    case transport(String)
    /// HTTP 4xx other than 429: the request or credentials are wrong, retrying will not help.
    case rejected(status: Int, body: String)
    /// The body was not an OpenAI chat completion (truncated or not JSON).
    case malformedResponse(String)
    /// The completion parsed but named no candidate.
    case unusableAnswer(String)
    /// The circuit breaker is open after repeated failures; calls resume after the cool-down.
    case circuitOpen(retryIn: Duration)
    /// The per-run request or token budget is spent.
    case overBudget(String)

    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .server, .timeout, .transport, .malformedResponse: return true
        case .rejected, .unusableAnswer, .circuitOpen, .overBudget: return false
        }
    }

    /// Failures that say the endpoint is unhealthy (they feed the circuit breaker); a 429 or an odd
    /// answer from a healthy endpoint does not.
    public var indicatesOutage: Bool {
        switch self {
        case .server, .timeout, .transport, .malformedResponse: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .rateLimited(let retryAfter):
            return "LLM endpoint rate-limited the request (HTTP 429)" + (retryAfter.map { ", retry after \($0)" } ?? "")
                + "; lower llm.requests-per-minute / llm.tokens-per-minute to stay under the provider's limits"
        case .server(let status, let body):
            return "LLM endpoint failed with HTTP \(status): \(body.prefix(200))"
        case .timeout(let limit):
            return "LLM endpoint did not answer within \(limit); raise llm.timeout or check the server's load"
        case .transport(let message):
            return "cannot reach the LLM endpoint: \(message); check llm.base-url and that the server is up"
        case .rejected(let status, let body):
            return "LLM endpoint rejected the request with HTTP \(status): \(body.prefix(200)); check llm.model and the API key"
        case .malformedResponse(let detail):
            return "LLM endpoint sent something that is not a chat completion: \(detail)"
        case .unusableAnswer(let detail):
            return "LLM answer named no candidate: \(detail)"
        case .circuitOpen(let retryIn):
            return "LLM circuit breaker is open after repeated failures; next trial call in \(retryIn)"
        case .overBudget(let detail):
            return "LLM budget for this run is spent (\(detail)); raise llm.max-requests / llm.max-tokens or wait for the next run"
        }
    }
}
