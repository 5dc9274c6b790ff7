import Metrics
import Pipeline
import Synchronization

/// The steps of a refresh. The whole claim's latency (`recworker_refresh_seconds`) cannot tell a slow database from
/// slow scoring or a slow LLM; each step is timed on its own (`recworker_refresh_phase_seconds{phase}`), and
/// `bench stream` reports the totals.
enum RefreshPhase: String, CaseIterable, Sendable {
    /// Leasing users from the refresh queue.
    case claim
    /// Bringing the models up to date with what committed since the last claim (the first load or fit included,
    /// and the wait while another lane holds the models).
    case catchUp = "catch_up"
    /// Reading the claimed users' profiles, recent histories and seen items.
    case profiles
    /// Scoring the claimed users' candidates (the wait for the models included), or popularity for users without.
    case scoring
    /// Looking up the candidates' items and writing the template summaries and explanations.
    case assemble
    /// Asking the LLM for the users within the LLM budget, from the first call to the last answer; their lists'
    /// writes inside it count in `publish` too.
    case rerank
    /// Writing the users' lists, and sending them to the output topic when one is configured.
    case publish
    /// Storing the users' profile summaries.
    case summaries
    /// Acknowledging the claim, so its users leave the queue.
    case acknowledge
}

/// Times refresh phases into their metric and keeps this process's totals (wall seconds, every lane together).
final class RefreshPhaseClock: Sendable {
    private let totals = Mutex<[RefreshPhase: Double]>([:])

    func time<T>(_ phase: RefreshPhase, _ body: () throws -> T) rethrows -> T {
        let started = ContinuousClock.now
        defer { record(phase, since: started) }
        return try body()
    }

    func time<T>(_ phase: RefreshPhase, _ body: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        defer { record(phase, since: started) }
        return try await body()
    }

    /// Wall seconds spent in each phase so far; phases that never ran are absent.
    var seconds: [RefreshPhase: Double] { totals.withLock { $0 } }

    private func record(_ phase: RefreshPhase, since started: ContinuousClock.Instant) {
        let elapsed = (ContinuousClock.now - started).seconds
        WorkerMetrics.refreshPhase(phase).recordSeconds(elapsed)
        totals.withLock { $0[phase, default: 0] += elapsed }
    }
}
