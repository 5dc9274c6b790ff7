import PostgresClient

/// Makes an earlier kept run the current one again, in one transaction like `PublicationFlip`: readers of
/// `current_recommendations` see either the old current run or the target, never a mix.
public struct PublicationRollback: Sendable {
    public struct Outcome: Sendable, Hashable {
        public var previousRunID: Int
        /// Users queued for a refresh because they have events newer than the target run.
        public var requeuedUsers: Int
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public func rollback(to runID: Int) throws -> Outcome {
        try connection.transaction { tx in
            try tx.execute("LOCK TABLE publication_state IN EXCLUSIVE MODE")
            guard let current = try tx.query("SELECT current_run_id FROM publication_state").first?.int("current_run_id") else {
                throw StorageError("nothing is published yet, so there is nothing to roll back; run `recworker nightly` first")
            }
            guard current != runID else { throw StorageError("run \(runID) is already the current run") }
            guard let target = try tx.query("SELECT status FROM recommendation_runs WHERE run_id = $1 FOR UPDATE", [runID]).first else {
                throw StorageError("run \(runID) does not exist (pruned or never made); `recworker runs list` shows the kept runs")
            }
            let status = try target.string("status")
            guard status == "superseded" || status == "published" else {
                throw StorageError("run \(runID) is \(status), not a finished publication; only published or superseded runs can become current again")
            }
            try tx.execute("UPDATE publication_state SET current_run_id = $1, flipped_at = now()", [runID])
            try tx.execute("UPDATE recommendation_runs SET status = 'published' WHERE run_id = $1", [runID])
            try tx.execute("""
                UPDATE recommendation_runs SET status = 'superseded', error = $2 WHERE run_id = $1
                """, [current, "rolled back to run \(runID) by an operator"])
            // The stream worker's fresher lists lived in the run rolled back from: rebuild them on the target.
            let requeued = try tx.execute("""
                INSERT INTO refresh_queue AS q (user_id)
                SELECT p.user_id FROM user_profiles p, recommendation_runs r
                WHERE r.run_id = $1 AND p.updated_at > coalesce(r.snapshot_at, r.finished_at, r.started_at) - interval '1 minute'
                ON CONFLICT (user_id) DO UPDATE SET touches = q.touches + 1
                """, [runID])
            return Outcome(previousRunID: current, requeuedUsers: requeued)
        }
    }
}
