import Foundation
import Logging
import PostgresClient

/// What a starting stream worker does before it can serve refreshes with the nightly's models: read every
/// stored interaction, load the current stored models onto them, and produce the first users' candidates.
/// (Joining the consumer group is separate and takes seconds.)
struct StreamStartupProbe {
    let config: RecWorkerConfig
    var firstUsers = 200

    func run() throws -> [String: Any] {
        let connection = try PostgresConnection(url: try config.database.requiredURL())
        var models = StreamModels(settings: .init(candidateCount: 100, refitGrowth: nil, eventWeights: config.modelInputs.eventWeights,
                                                  accumulation: config.modelInputs.accumulation, diversity: config.modelInputs.diversity),
                                  logger: Logger(label: "recworker.bench"))
        let started = ContinuousClock.now
        try models.catchUp(connection)
        let loaded = started.secondsSince
        let users = try connection.query("SELECT user_id FROM user_profiles ORDER BY user_id LIMIT $1", [firstUsers]).map { try $0.int("user_id") }
        let refreshStarted = ContinuousClock.now
        let served = models.candidates(forUsers: users)?.values.filter { !$0.items.isEmpty }.count ?? 0
        return [
            "models_ready_seconds": BenchNightlyCommand.rounded(loaded),
            "first_candidates_seconds": BenchNightlyCommand.rounded(refreshStarted.secondsSince),
            "first_users": users.count, "users_with_candidates": served,
            "model_version": models.version ?? "none", "peak_rss_mib": PeakMemory.residentMiB,
            "phases": Dictionary(models.startupPhases.map { ($0.name, BenchNightlyCommand.rounded($0.seconds)) }, uniquingKeysWith: +),
        ]
    }
}
