/// Admits LLM calls within requests/window, tokens/window and a concurrency cap, and pauses everyone
/// when the endpoint says so (`Retry-After`, `x-ratelimit-remaining-*`).
///
/// Tokens are reserved at an upper-bound estimate before the call and reconciled with the reported
/// `usage` afterwards, so the window's accounting converges on what the provider counted.
public actor RateLimiter {
    /// A granted call: hand it back to `finish` with the tokens actually used.
    public struct Permit: Sendable {
        let id: UInt64
        let estimatedTokens: Int
    }

    private let limits: LLMLimits
    private let clock: ElapsedClock
    private var window: RollingWindow
    private var requestPacer: Pacer
    private var tokenPacer: Pacer
    private var pausedUntil: Duration?
    private var serverTokens: (remaining: Int, resetAt: Duration)?
    private var inFlight = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0

    /// - Parameter clock: where time comes from (tests pass a manual clock).
    public init(limits: LLMLimits, clock: any Clock<Duration> = ContinuousClock()) {
        self.limits = limits
        self.clock = ElapsedClock(clock)
        window = RollingWindow(span: limits.window + limits.windowMargin, maxRequests: limits.requestsPerWindow, maxTokens: limits.tokensPerWindow)
        requestPacer = Pacer(limit: limits.requestsPerWindow, window: limits.window + limits.windowMargin, burstFraction: limits.burstFraction)
        tokenPacer = Pacer(limit: limits.tokensPerWindow, window: limits.window + limits.windowMargin, burstFraction: limits.burstFraction)
    }

    /// Waits for a concurrency slot and for the window to have room for `estimatedTokens`.
    /// Cancellation while waiting throws `CancellationError` and leaves no trace.
    public func acquire(estimatedTokens: Int) async throws -> Permit {
        try await acquireSlot()
        do {
            while true {
                let now = clock.now
                let wait = delay(forTokens: estimatedTokens, now: now)
                if wait <= .zero { break }
                try await clock.sleep(for: wait)
            }
        } catch {
            releaseSlot()
            throw error
        }
        let now = clock.now
        nextID += 1
        window.record(id: nextID, tokens: estimatedTokens, at: now)
        requestPacer.record(cost: 1, now: now)
        tokenPacer.record(cost: estimatedTokens, now: now)
        if let server = serverTokens { serverTokens = (server.remaining - estimatedTokens, server.resetAt) }
        return Permit(id: nextID, estimatedTokens: estimatedTokens)
    }

    /// Releases the slot and books the tokens the endpoint reported (nil keeps the estimate: the
    /// request may have been counted even if no answer came back).
    public func finish(_ permit: Permit, usedTokens: Int?, hints: RateLimitHints?) {
        if let used = usedTokens {
            window.reconcile(id: permit.id, tokens: used)
            tokenPacer.refund(cost: permit.estimatedTokens - used)
        }
        if let hints { apply(hints) }
        releaseSlot()
    }

    /// Stops all admissions for `duration` (a 429's `Retry-After` applies to every caller, not just
    /// the one that got it).
    public func pause(for duration: Duration) {
        let until = clock.now + duration
        pausedUntil = max(pausedUntil ?? until, until)
    }

    func apply(_ hints: RateLimitHints) {
        let now = clock.now
        if let retryAfter = hints.retryAfter { pause(for: retryAfter) }
        if hints.remainingRequests == 0, let reset = hints.resetRequests { pause(for: reset) }
        if let remaining = hints.remainingTokens, let reset = hints.resetTokens {
            serverTokens = (remaining, now + reset)
        }
    }

    private func delay(forTokens tokens: Int, now: Duration) -> Duration {
        var wait = window.delay(forTokens: tokens, now: now)
        wait = max(wait, requestPacer.delay(cost: 1, now: now), tokenPacer.delay(cost: tokens, now: now))
        if let pausedUntil, pausedUntil > now { wait = max(wait, pausedUntil - now) }
        if let server = serverTokens {
            if server.resetAt <= now {
                serverTokens = nil
            } else if server.remaining < tokens {
                wait = max(wait, server.resetAt - now)
            }
        }
        return wait
    }

    // MARK: concurrency slots (FIFO, cancellation-safe)

    private func acquireSlot() async throws {
        if inFlight < max(1, limits.maxConcurrent), waiters.isEmpty {
            inFlight += 1
            return
        }
        nextID += 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    /// Hands the slot straight to the longest waiter, or frees it.
    private func releaseSlot() {
        if waiters.isEmpty {
            inFlight -= 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }
}
