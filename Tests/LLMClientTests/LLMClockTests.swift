import LLMClient
import TestSupport
import XCTest

/// The rate limiter and the circuit breaker on a manual clock: windows and cooldowns pass when the test
/// advances time, and the test waits for the code to reach its sleep instead of sleeping itself.
final class LLMClockTests: XCTestCase {
    func testBreakerOpensAfterThresholdAndLetsOneTrialThroughAfterCooldown() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(threshold: 2, cooldown: .seconds(30), clock: clock)
        await breaker.record(.timeout(.seconds(5)))
        try await breaker.permit()
        await breaker.record(.server(status: 503, body: ""))
        await assertOpen(breaker)

        clock.advance(by: .seconds(29))
        await assertOpen(breaker)
        clock.advance(by: .seconds(1))
        try await breaker.permit()  // the single trial call
        await assertOpen(breaker)   // everyone else still fails fast while the trial runs
        await breaker.recordSuccess()
        try await breaker.permit()
        let open = await breaker.isOpen
        XCTAssertFalse(open)
    }

    func testFailedTrialReopensForAnotherCooldown() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(threshold: 1, cooldown: .seconds(10), clock: clock)
        await breaker.record(.transport("connection reset"))
        clock.advance(by: .seconds(10))
        try await breaker.permit()
        await breaker.record(.timeout(.seconds(5)))
        clock.advance(by: .seconds(9))
        await assertOpen(breaker)
        clock.advance(by: .seconds(1))
        try await breaker.permit()
    }

    func testRequestBeyondTheWindowWaitsUntilTheFirstRequestLeavesIt() async throws {
        let clock = ManualClock()
        let limits = LLMLimits(requestsPerWindow: 2, tokensPerWindow: 1_000_000, window: .seconds(60), windowMargin: .zero,
                               burstFraction: 1, maxConcurrent: 8)
        let limiter = RateLimiter(limits: limits, clock: clock)
        _ = try await limiter.acquire(estimatedTokens: 10)
        clock.advance(by: .seconds(5))
        _ = try await limiter.acquire(estimatedTokens: 10)

        let third = Task { try await limiter.acquire(estimatedTokens: 10) }
        var sleeps = clock.sleeps.makeAsyncIterator()
        let deadline = await sleeps.next()
        // The window holds the first request until t+60 s.
        XCTAssertEqual(deadline?.offset, .seconds(60))
        clock.advance(by: .seconds(55))
        _ = try await third.value
    }

    func testRetryAfterPausesEveryCallerForItsDuration() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(limits: LLMLimits(requestsPerWindow: 100, burstFraction: 1, maxConcurrent: 8), clock: clock)
        await limiter.pause(for: .seconds(20))
        let waiting = Task { try await limiter.acquire(estimatedTokens: 10) }
        var sleeps = clock.sleeps.makeAsyncIterator()
        let deadline = await sleeps.next()
        XCTAssertEqual(deadline?.offset, .seconds(20))
        clock.advance(by: .seconds(20))
        _ = try await waiting.value
    }

    private func assertOpen(_ breaker: CircuitBreaker, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await breaker.permit()
            XCTFail("the circuit should be open", file: file, line: line)
        } catch LLMError.circuitOpen {
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }
}
