/// Reads and sleeps on an injected clock, with time as the duration since this value was made: the rate
/// limiter and the circuit breaker keep plain `Duration`s, so tests drive them with a manual clock instead of
/// waiting out real windows.
struct ElapsedClock: Sendable {
    private let read: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    init(_ clock: any Clock<Duration>) { self.init(opened: clock) }

    private init<C: Clock<Duration>>(opened clock: C) {
        let origin = clock.now
        read = { origin.duration(to: clock.now) }
        sleeper = { try await clock.sleep(for: $0) }
    }

    var now: Duration { read() }

    func sleep(for duration: Duration) async throws { try await sleeper(duration) }
}
