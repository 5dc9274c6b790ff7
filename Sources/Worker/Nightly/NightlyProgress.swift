import Foundation

/// Where a run stands: what progress bars and progress lines show.
struct NightlyProgress: Sendable {
    var runID: Int
    var totalUsers: Int
    /// Users finished, including those a resumed run found already done.
    var doneUsers: Int
    /// Users done when this process started (a resumed run's head start), excluded from the rate.
    var resumedUsers: Int
    var llmCalls: Int
    var llmTokens: Int
    var elapsedSeconds: Double

    /// Users per second finished by this process.
    var rate: Double { elapsedSeconds > 0 ? Double(doneUsers - resumedUsers) / elapsedSeconds : 0 }

    var etaSeconds: Double? {
        let remaining = totalUsers - doneUsers
        guard remaining > 0 else { return 0 }
        return rate > 0 ? Double(remaining) / rate : nil
    }
}

/// Shows progress while a run writes users; called after every batch and once at the end.
protocol NightlyProgressReporter: Sendable {
    func update(_ progress: NightlyProgress)
    func finish(_ progress: NightlyProgress)
}

enum NightlyProgressStyle: String, CaseIterable, Sendable {
    /// A bar when standard error is a terminal, lines otherwise.
    case auto, bar, lines, none

    func makeReporter() -> any NightlyProgressReporter {
        switch self {
        case .auto: return isatty(STDERR_FILENO) == 1 ? TerminalProgressBar() : ProgressLines()
        case .bar: return TerminalProgressBar()
        case .lines: return ProgressLines()
        case .none: return SilentProgress()
        }
    }
}

struct SilentProgress: NightlyProgressReporter {
    func update(_ progress: NightlyProgress) {}
    func finish(_ progress: NightlyProgress) {}
}
