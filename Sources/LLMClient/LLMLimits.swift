/// Every knob that bounds what the worker asks of an LLM endpoint. Defaults suit a small local
/// server; set the first two from the provider's published tier limits when pointing at a paid API.
public struct LLMLimits: Sendable, Hashable {
    /// Requests started in any `window` at most (every attempt counts, retries included).
    public var requestsPerWindow: Int
    /// Tokens (estimated before the call, reconciled with `usage` after) in any `window` at most.
    public var tokensPerWindow: Int
    /// The providers' unit is the minute; tests shrink it to keep compliance checks short.
    public var window: Duration
    /// Slack added to the window so a request sent just after one window ends cannot land, after
    /// network jitter, inside the server's previous window.
    public var windowMargin: Duration
    /// Share of the window's allowance that may go out back to back; the rest is paced evenly.
    public var burstFraction: Double
    /// Calls in flight at once.
    public var maxConcurrent: Int
    /// Attempts per call, the first included.
    public var maxAttempts: Int
    /// Backoff before retry n is uniform in [0, min(backoffCap, backoffBase · 2ⁿ)] ("full jitter"),
    /// and never shorter than the endpoint's `Retry-After`.
    public var backoffBase: Duration
    public var backoffCap: Duration
    /// Consecutive outage failures (5xx, timeouts, dropped connections) that open the circuit.
    public var breakerThreshold: Int
    /// How long an open circuit rejects calls before letting one trial through.
    public var breakerCooldown: Duration
    /// Per-run budget: requests and tokens this process may spend in total (nil: unlimited).
    public var maxRequests: Int?
    public var maxTokens: Int?

    public init(
        requestsPerWindow: Int = 60, tokensPerWindow: Int = 100_000, window: Duration = .seconds(60),
        windowMargin: Duration = .seconds(1), burstFraction: Double = 0.1, maxConcurrent: Int = 2, maxAttempts: Int = 4,
        backoffBase: Duration = .milliseconds(500), backoffCap: Duration = .seconds(30), breakerThreshold: Int = 5,
        breakerCooldown: Duration = .seconds(30), maxRequests: Int? = nil, maxTokens: Int? = nil
    ) {
        self.requestsPerWindow = requestsPerWindow
        self.tokensPerWindow = tokensPerWindow
        self.window = window
        self.windowMargin = windowMargin
        self.burstFraction = burstFraction
        self.maxConcurrent = maxConcurrent
        self.maxAttempts = maxAttempts
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.breakerThreshold = breakerThreshold
        self.breakerCooldown = breakerCooldown
        self.maxRequests = maxRequests
        self.maxTokens = maxTokens
    }
}
