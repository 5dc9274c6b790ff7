import Foundation
import Synchronization

/// Structured progress for logs (systemd journal, Kubernetes): one logfmt line on standard error at most every
/// `interval`, and a final one, e.g.
/// `nightly_progress run_id=12 users_done=400 users_total=943 rate=512.3 eta_s=1.1 llm_calls=20 llm_tokens=24810`.
final class ProgressLines: NightlyProgressReporter, Sendable {
    private let interval: Double
    private let lastLine = Mutex(-Double.infinity)

    init(interval: Double = 5) { self.interval = interval }

    func update(_ progress: NightlyProgress) {
        let now = ProcessInfo.processInfo.systemUptime
        let due = lastLine.withLock { lastLine in
            guard now - lastLine >= interval else { return false }
            lastLine = now
            return true
        }
        if due { emit(progress, event: "nightly_progress") }
    }

    func finish(_ progress: NightlyProgress) { emit(progress, event: "nightly_progress_done") }

    private func emit(_ progress: NightlyProgress, event: String) {
        let eta = progress.etaSeconds.map { String(format: "%.1f", $0) } ?? "unknown"
        let line = "\(event) run_id=\(progress.runID) users_done=\(progress.doneUsers) users_total=\(progress.totalUsers) "
            + "rate=\(String(format: "%.1f", progress.rate)) eta_s=\(eta) llm_calls=\(progress.llmCalls) "
            + "llm_tokens=\(progress.llmTokens) elapsed_s=\(String(format: "%.2f", progress.elapsedSeconds))\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
