import Foundation
import Synchronization

/// A one-line bar redrawn in place on standard error, at most ten times a second.
final class TerminalProgressBar: NightlyProgressReporter, Sendable {
    /// Uptime of the last redraw.
    private let lastDraw = Mutex(0.0)
    private let width = 30

    func update(_ progress: NightlyProgress) {
        let now = ProcessInfo.processInfo.systemUptime
        let due = lastDraw.withLock { lastDraw in
            guard now - lastDraw >= 0.1 else { return false }
            lastDraw = now
            return true
        }
        if due { draw(progress, final: false) }
    }

    func finish(_ progress: NightlyProgress) { draw(progress, final: true) }

    private func draw(_ progress: NightlyProgress, final: Bool) {
        let fraction = progress.totalUsers > 0 ? Double(progress.doneUsers) / Double(progress.totalUsers) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let eta = progress.etaSeconds.map { "ETA \(Self.duration($0))" } ?? "ETA --"
        let rate = String(format: "%.0f", progress.rate)
        let line = "\r\u{1B}[2Krun \(progress.runID) \(bar) \(progress.doneUsers)/\(progress.totalUsers) users  \(rate) users/s  "
            + "\(eta)  LLM \(progress.llmCalls) calls \(progress.llmTokens) tokens"
        FileHandle.standardError.write(Data((line + (final ? "\n" : "")).utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        return total >= 3600 ? "\(total / 3600)h\(total % 3600 / 60)m" : total >= 60 ? "\(total / 60)m\(total % 60)s" : "\(total)s"
    }
}
