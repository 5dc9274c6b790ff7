/// What a nightly job did, for logs and `recworker bench nightly`.
struct NightlyReport: Sendable {
    var runID: Int
    var resumed: Bool
    var users: Int
    /// Users this process ranked and wrote (fewer than `users` after a resume).
    var usersWritten: Int
    var rows: Int
    var llmCalls: Int
    var llmTokens: Int
    var modelVersions: [String: String]
    var requeuedUsers: Int
    var announcedUsers: Int?
    var prunedRuns: [Int]
    var prunedRows: Int
    /// Seconds per phase: snapshot, fit, rank+write, flip, announce, prune.
    var phases: [(name: String, seconds: Double)]
    var totalSeconds: Double

    var usersPerSecond: Double { totalSeconds > 0 ? Double(usersWritten) / totalSeconds : 0 }
}

extension NightlyReport {
    /// The closing lines of `recworker nightly`.
    var summary: String {
        let phaseText = phases.map { "\($0.name)=\(Self.format($0.seconds))s" }.joined(separator: " ")
        var lines = [
            "run \(runID) published\(resumed ? " (resumed)" : ""): \(users) users, \(rows) rows, \(usersWritten) users written by this process",
            "models: " + modelVersions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "),
            "llm: \(llmCalls) calls, \(llmTokens) tokens; requeued for the stream: \(requeuedUsers) users",
            "pruned: \(prunedRuns.isEmpty ? "none" : prunedRuns.map(String.init).joined(separator: ",")) (\(prunedRows) rows)",
            "wall time \(Self.format(totalSeconds))s, \(Self.format(usersPerSecond)) users/s; \(phaseText)",
        ]
        if let announcedUsers { lines.insert("announced: \(announcedUsers) messages", at: 4) }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
