/// Stops calling an endpoint that keeps failing: after `threshold` consecutive outage failures the
/// circuit opens and calls fail fast (the worker publishes model order) until `cooldown` has passed;
/// then one trial call goes through, and its outcome closes or re-opens the circuit.
public actor CircuitBreaker {
    enum State: Sendable {
        case closed(failures: Int)
        case open(until: Duration)
        case halfOpen
    }

    private let threshold: Int
    private let cooldown: Duration
    private let clock: ElapsedClock
    private var state: State = .closed(failures: 0)

    /// - Parameter clock: where time comes from (tests pass a manual clock).
    public init(threshold: Int, cooldown: Duration, clock: any Clock<Duration> = ContinuousClock()) {
        self.clock = ElapsedClock(clock)
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
    }

    /// Throws `LLMError.circuitOpen` while open, and for everyone but the single trial call.
    public func permit() throws {
        switch state {
        case .closed:
            return
        case .open(let until):
            let now = clock.now
            guard now >= until else { throw LLMError.circuitOpen(retryIn: until - now) }
            state = .halfOpen
        case .halfOpen:
            throw LLMError.circuitOpen(retryIn: .zero)
        }
    }

    public func recordSuccess() { state = .closed(failures: 0) }

    /// Only failures that indicate an outage count; a rejected request says nothing about health.
    public func record(_ error: LLMError) {
        switch state {
        case .halfOpen:
            state = error.indicatesOutage ? .open(until: clock.now + cooldown) : .closed(failures: 0)
        case .closed(let failures):
            guard error.indicatesOutage else { return }
            state = failures + 1 >= threshold ? .open(until: clock.now + cooldown) : .closed(failures: failures + 1)
        case .open:
            return
        }
    }

    public var isOpen: Bool {
        if case .open(let until) = state { return clock.now < until }
        return false
    }
}
