/// The most a run may spend: requests (every attempt) and tokens. Tokens are reserved at the
/// estimate and settled to the reported usage, so concurrent calls cannot jointly overshoot.
public actor RunBudget {
    private let maxRequests: Int?
    private let maxTokens: Int?
    public private(set) var requests = 0
    public private(set) var tokens = 0

    public init(maxRequests: Int?, maxTokens: Int?) {
        self.maxRequests = maxRequests
        self.maxTokens = maxTokens
    }

    public func reserve(tokens estimate: Int) throws {
        if let maxRequests, requests + 1 > maxRequests {
            throw LLMError.overBudget("\(requests) of \(maxRequests) requests used")
        }
        if let maxTokens, tokens + estimate > maxTokens {
            throw LLMError.overBudget("\(tokens) of \(maxTokens) tokens used, next call needs up to \(estimate)")
        }
        requests += 1
        tokens += estimate
    }

    public func settle(estimate: Int, used: Int?) {
        guard let used else { return }
        tokens += used - estimate
    }
}
