import Foundation
import Logging
import Pipeline
import PostgresClient
import Storage

/// One nightly run: snapshot the interactions, fit every model, rank every user (LLM within budget), write the
/// rows under a new run id in batches, flip the current run, announce the lists, prune old runs.
///
/// Only one job runs per database: it holds the `nightly` lease (a row with a fencing token, which works through
/// PgBouncer), and every write batch and the flip re-check it, so a job that lost its lease never publishes.
/// Every batch commits its users' rows with their progress entries, so a killed run is finished by
/// `resume: true` without redoing or duplicating users. After the flip it prunes old runs and does the
/// database's upkeep: expired LLM answers and, when configured, interactions past their retention.
struct NightlyJob: Sendable {
    struct Settings: Sendable {
        var seed: UInt64
        var ranking: NightlyRanker.Settings
        var batchSize: Int
        var batchPause: Duration
        var keepRuns: Int
        var pruneBatchSize: Int
        var resumeMaxAgeHours: Int
        var llmMaxUsers: Int
        var llmMaxTokens: Int
        var llmConcurrency: Int
        /// How long the lease lasts without renewal; a heartbeat renews it every third of this.
        var leaseTTL: Duration
        /// Interactions older than this many days are deleted after the flip (nil: kept).
        var retentionDays: Int?
        /// Rows per statement for the cache expiry and the retention deletes.
        var maintenanceBatchSize: Int
    }

    let databaseURL: String
    let settings: Settings
    let models: any NightlyModelSuite
    let reranker: (any Reranker)?
    let announcer: RecommendationAnnouncer?
    let progress: any NightlyProgressReporter
    let logger: Logger

    func run(resume: Bool) async throws -> NightlyReport {
        let leaseConnection = try PostgresConnection(url: databaseURL)
        guard let lease = try JobLease.tryAcquire(job: "nightly", holder: JobLease.processHolder, ttl: settings.leaseTTL,
                                                  connection: leaseConnection) else {
            throw NightlyError.alreadyRunning(holder: try? JobLease.holder(job: "nightly", connection: leaseConnection))
        }
        defer { try? lease.release() }
        let heartbeat = Task { [logger] in
            while !Task.isCancelled {
                try? await Task.sleep(for: lease.ttl / 3)
                guard !Task.isCancelled else { return }
                do { try lease.renew() } catch {
                    // The next write batch or the flip fails on the same check and stops the job.
                    logger.error("nightly lease renewal failed", metadata: ["error": "\(error)"])
                    return
                }
            }
        }
        defer { heartbeat.cancel() }
        let connection = try PostgresConnection(url: databaseURL)
        let runs = RunStore(connection: connection)

        if resume, let run = try runs.resumableNightly(maxAgeHours: settings.resumeMaxAgeHours) {
            logger.info("resuming nightly run", metadata: ["run_id": "\(run.runID)", "users_done": "\(run.userCount)"])
            if run.status == .failed { try runs.reopen(runID: run.runID) }
            return try await execute(run, connection: connection, lease: lease, resumed: true)
        }
        if resume, announcer != nil, let run = try runs.unannouncedNightly() {
            // Killed between the flip and the end of the announcement: the run is done except for its messages.
            logger.info("finishing the announcement of published run", metadata: ["run_id": "\(run.runID)"])
            return try await finishPublished(run, connection: connection)
        }
        if resume { logger.info("no unfinished nightly run to resume; starting a new one") }
        let abandoned = try runs.abandonUnfinishedNightly(reason: "superseded by a new nightly run started without --resume")
        if !abandoned.isEmpty { logger.warning("marked unfinished nightly runs failed", metadata: ["run_ids": "\(abandoned)"]) }
        let run = try runs.beginNightly(seed: settings.seed)
        logger.info("started nightly run", metadata: ["run_id": "\(run.runID)", "snapshot_at": "\(run.snapshotAt ?? "")", "seed": "\(run.seed)"])
        return try await execute(run, connection: connection, lease: lease, resumed: false)
    }

    private func execute(_ run: PublicationRun, connection: PostgresConnection, lease: JobLease, resumed: Bool) async throws -> NightlyReport {
        let runs = RunStore(connection: connection)
        do {
            return try await rankWriteAndPublish(run, connection: connection, lease: lease, resumed: resumed)
        } catch let error as LeaseLost {
            // The run belongs to whoever holds the lease now; marking it failed would be a write without the lease.
            throw error
        } catch {
            // Recorded for operators; the rows written so far stay, so `--resume` continues from them.
            try? runs.fail(runID: run.runID, error: "\(error)")
            throw error
        }
    }

    private func rankWriteAndPublish(
        _ run: PublicationRun, connection: PostgresConnection, lease: JobLease, resumed: Bool
    ) async throws -> NightlyReport {
        guard let snapshotAt = run.snapshotAt else { throw NightlyError.snapshotMissing(runID: run.runID) }
        let clock = PhaseClock()
        let runs = RunStore(connection: connection)
        let writer = PublicationWriter(connection: connection)

        let previous = try runs.previousNightly(before: run.runID)
        let snapshot = try PublicationSnapshot.read(connection, run: run, previous: previous)
        let index = SnapshotIndex(snapshot)
        clock.lap("snapshot")

        let fitted = try await models.fit(snapshot, index: index, seed: run.seed, runID: run.runID)
        clock.lap("fit")

        let plan = NightlyPlan(snapshot: snapshot, index: index, llmMaxUsers: reranker == nil ? 0 : settings.llmMaxUsers)
        try runs.recordPlan(runID: run.runID, plannedUsers: plan.order.count, llmUsers: plan.llmUsers.count,
                            modelVersions: fitted.modelVersions)
        let done = try runs.completedUsers(runID: run.runID)
        let pending = plan.order.filter { !done.contains($0) }
        let ranker = NightlyRanker(candidates: fitted, index: index, reranker: reranker, settings: settings.ranking, logger: logger)

        var state = NightlyProgress(runID: run.runID, totalUsers: plan.order.count, doneUsers: done.count, resumedUsers: done.count,
                                    llmCalls: run.llmRequests, llmTokens: run.llmTokens, elapsedSeconds: 0)
        let started = ContinuousClock.now
        var chunks = CandidateChunks(ranker: ranker, order: plan.order)
        for start in stride(from: 0, to: pending.count, by: settings.batchSize) {
            let batch = Array(pending[start..<min(start + settings.batchSize, pending.count)])
            let (users, usage, summaries) = try await rankBatch(batch, lists: chunks.lists(for: batch), plan: plan, ranker: ranker,
                                                                tokensSpent: state.llmTokens, profiles: ProfileStore(connection: connection))
            try writer.write(runID: run.runID, generatedAt: snapshotAt, users: users, usage: usage, fence: lease)
            try ProfileStore(connection: connection).storeSummaries(summaries)
            state.doneUsers += batch.count
            state.llmCalls += usage.requests
            state.llmTokens += usage.tokens
            state.elapsedSeconds = started.secondsSince
            progress.update(state)
            if settings.batchPause > .zero, start + settings.batchSize < pending.count { try await Task.sleep(for: settings.batchPause) }
        }
        state.elapsedSeconds = started.secondsSince
        progress.finish(state)
        clock.lap("rank+write")

        let flip = try PublicationFlip(connection: connection).publish(runID: run.runID, fence: lease)
        clock.lap("flip")
        logger.info("published nightly run", metadata: [
            "run_id": "\(run.runID)", "previous_run_id": "\(flip.previousRunID.map(String.init) ?? "none")",
            "users": "\(plan.order.count)", "requeued_users": "\(flip.requeuedUsers)",
        ])
        var report = try await finishPublished(run, connection: connection, clock: clock)
        report.resumed = resumed
        report.users = plan.order.count
        report.usersWritten = pending.count
        report.requeuedUsers = flip.requeuedUsers
        return report
    }

    /// Ranks a batch; LLM users run concurrently (up to `llmConcurrency`) while the run's token budget lasts.
    /// Returns the rows, the LLM's cost and the profile summaries written on the way.
    private func rankBatch(
        _ batch: [Int], lists: [Int: CandidateList], plan: NightlyPlan, ranker: NightlyRanker, tokensSpent: Int, profiles: ProfileStore
    ) async throws -> ([UserRecommendations], LLMUsage, [Int: WrittenSummary]) {
        var results = [Int: UserRecommendations]()
        var usage = LLMUsage()
        var summaries = [Int: WrittenSummary]()
        let llmBatch = batch.filter { plan.llmUsers.contains($0) }
        if !llmBatch.isEmpty {
            let stored = settings.ranking.llmSummaries ? try profiles.profiles(userIDs: llmBatch, historyLength: 0) : [:]
            try await withThrowingTaskGroup(of: NightlyRanker.Ranked.self) { group in
                var next = 0
                func launch() {
                    let userID = llmBatch[next]
                    next += 1
                    // The budget is checked per call; concurrent calls in flight may overshoot it by one round.
                    let withinBudget = tokensSpent + usage.tokens < settings.llmMaxTokens
                    let list = lists[userID]!
                    let profile = stored[userID]
                    group.addTask { await ranker.rank(userID: userID, list: list, useLLM: withinBudget, stored: profile) }
                }
                while next < llmBatch.count, next < settings.llmConcurrency { launch() }
                while let ranked = try await group.next() {
                    let userID = ranked.recommendations.userID
                    results[userID] = ranked.recommendations
                    usage = usage + ranked.usage
                    if let summary = ranked.summary {
                        ConfiguredReranker.record(summary, userID: userID, logger: logger)
                        summaries[userID] = summary.summary
                    }
                    if next < llmBatch.count { launch() }
                }
            }
        }
        for userID in batch where results[userID] == nil {
            results[userID] = await ranker.rank(userID: userID, list: lists[userID]!, useLLM: false).recommendations
        }
        return (batch.map { results[$0]! }, usage, summaries)
    }

    /// Announces (when output is on) and prunes a published run.
    private func finishPublished(_ run: PublicationRun, connection: PostgresConnection, clock: PhaseClock = PhaseClock()) async throws -> NightlyReport {
        let runs = RunStore(connection: connection)
        var announced: Int?
        if let announcer {
            announced = try announcer.announce(runID: run.runID, writer: PublicationWriter(connection: connection))
            try runs.markAnnounced(runID: run.runID)
            clock.lap("announce")
            logger.info("announced nightly run", metadata: ["run_id": "\(run.runID)", "topic": "\(announcer.topic)", "messages": "\(announced ?? 0)"])
        }
        let pruned = try PublicationPruner(connection: connection).prune(keep: settings.keepRuns, batchSize: settings.pruneBatchSize)
        clock.lap("prune")
        if !pruned.deletedRuns.isEmpty {
            logger.info("pruned old runs", metadata: ["run_ids": "\(pruned.deletedRuns)", "rows": "\(pruned.deletedRows)"])
        }
        let expiredAnswers = try LLMCacheStore(connection: connection).purgeExpired(batchSize: settings.maintenanceBatchSize)
        let expiredEvents = try settings.retentionDays.map {
            try InteractionRetention(connection: connection).deleteOlderThan(days: $0, batchSize: settings.maintenanceBatchSize)
        }
        clock.lap("maintenance")
        logger.info("maintenance", metadata: [
            "expired_llm_cache_entries": "\(expiredAnswers)", "interactions_past_retention": "\(expiredEvents.map(String.init) ?? "kept (no retention)")",
        ])
        let current = try runs.run(id: run.runID) ?? run
        return NightlyReport(
            runID: run.runID, resumed: true, users: current.userCount, usersWritten: 0, rows: current.rowCount,
            llmCalls: current.llmRequests, llmTokens: current.llmTokens, modelVersions: current.modelVersions,
            requeuedUsers: 0, announcedUsers: announced, prunedRuns: pruned.deletedRuns, prunedRows: pruned.deletedRows,
            phases: clock.phases, totalSeconds: clock.total)
    }
}
