/// Exact accounting of what was sent in the last `window`: a token bucket whose spent tokens return
/// exactly one window after they were spent. A classic bucket of capacity L refilled at L per minute
/// admits up to 2L in some 60-second window (a full bucket plus a minute of refill); this cannot, so
/// no window ever holds more than the limit, which is how providers count.
/// Times are durations since the limiter's clock origin (`ElapsedClock`).
struct RollingWindow: Sendable {
    struct Entry: Sendable {
        var id: UInt64
        var time: Duration
        var tokens: Int
    }

    let span: Duration
    let maxRequests: Int
    let maxTokens: Int
    private(set) var entries: [Entry] = []

    init(span: Duration, maxRequests: Int, maxTokens: Int) {
        self.span = span
        self.maxRequests = max(1, maxRequests)
        self.maxTokens = max(1, maxTokens)
    }

    /// How long until a request of `tokens` fits; zero when it fits now. A request larger than the
    /// whole token allowance waits for an empty window rather than forever.
    mutating func delay(forTokens tokens: Int, now: Duration) -> Duration {
        entries.removeAll { $0.time + span <= now }
        var wait = Duration.zero
        if entries.count >= maxRequests {
            wait = max(wait, entries[entries.count - maxRequests].time + span - now)
        }
        var total = entries.reduce(0) { $0 + $1.tokens }
        var index = 0
        while total + tokens > maxTokens, index < entries.count {
            total -= entries[index].tokens
            wait = max(wait, entries[index].time + span - now)
            index += 1
        }
        return wait
    }

    mutating func record(id: UInt64, tokens: Int, at time: Duration) {
        entries.append(Entry(id: id, time: time, tokens: tokens))
    }

    /// Replaces an estimate with what the endpoint reported it used.
    mutating func reconcile(id: UInt64, tokens: Int) {
        if let index = entries.firstIndex(where: { $0.id == id }) { entries[index].tokens = tokens }
    }
}

/// Even pacing inside the window (a token bucket in GCRA form): each request and token pushes the
/// theoretical arrival time on by its share of the window, and up to `burst` of it may be spent early.
struct Pacer: Sendable {
    let interval: Duration
    let tolerance: Duration
    private var theoreticalArrival: Duration?

    init(limit: Int, window: Duration, burstFraction: Double) {
        interval = window / max(1, limit)
        tolerance = window * max(0, min(1, burstFraction))
    }

    func delay(cost: Int, now: Duration) -> Duration {
        guard let theoreticalArrival else { return .zero }
        return max(.zero, theoreticalArrival - tolerance - now)
    }

    mutating func record(cost: Int, now: Duration) {
        let start = max(theoreticalArrival ?? now, now)
        theoreticalArrival = start + interval * cost
    }

    /// Gives back pacing credit for tokens reserved but not used.
    mutating func refund(cost: Int) {
        guard cost > 0, let theoreticalArrival else { return }
        self.theoreticalArrival = theoreticalArrival - interval * cost
    }
}
