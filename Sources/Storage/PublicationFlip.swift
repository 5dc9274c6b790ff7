import PostgresClient

/// Makes a finished run the one `current_recommendations` shows, in a single transaction.
///
/// Readers never see a mix: the view joins `publication_state`, and each statement sees either the old
/// `current_run_id` or the new one. Users with events newer than the run's snapshot are queued for the
/// stream worker in the same transaction, so their fresher lists are rebuilt on top of the new run.
public struct PublicationFlip: Sendable {
    public struct Outcome: Sendable, Hashable {
        public var previousRunID: Int?
        /// Users queued for a refresh because the run's snapshot predates their latest events.
        public var requeuedUsers: Int
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// - Parameter fence: the publishing job's lease, checked in the flip's transaction (nil: no lease).
    public func publish(runID: Int, fence: JobLease? = nil) throws -> Outcome {
        try connection.transaction { tx in
            try fence?.validate(in: tx)
            // EXCLUSIVE blocks other writers of publication_state (another flip, the stream worker's first
            // run) but not the ACCESS SHARE lock that readers of the view take.
            try tx.execute("LOCK TABLE publication_state IN EXCLUSIVE MODE")
            let previous = try tx.query("SELECT current_run_id FROM publication_state").first?.optionalInt("current_run_id")
            let finished = try tx.execute("""
                UPDATE recommendation_runs SET status = 'published', finished_at = now(), error = NULL
                WHERE run_id = $1 AND status = 'running'
                """, [runID])
            guard finished == 1 else {
                throw StorageError("run \(runID) is not running any more (failed or already published); start a new nightly run")
            }
            if let previous {
                try tx.execute("UPDATE publication_state SET current_run_id = $1, flipped_at = now()", [runID])
                try tx.execute("UPDATE recommendation_runs SET status = 'superseded' WHERE run_id = $1 AND status = 'published'", [previous])
            } else {
                try tx.execute("INSERT INTO publication_state (current_run_id) VALUES ($1)", [runID])
            }
            // Profiles are stamped with the ingest transaction's start time; the minute of slack covers a batch
            // that started before the snapshot but committed after it. A spare refresh costs little, a missed one
            // leaves a stale list until the user's next event.
            let requeued = try tx.execute("""
                INSERT INTO refresh_queue AS q (user_id)
                SELECT p.user_id FROM user_profiles p, recommendation_runs r
                WHERE r.run_id = $1 AND p.updated_at > r.snapshot_at - interval '1 minute'
                ON CONFLICT (user_id) DO UPDATE SET touches = q.touches + 1, touched_at = now()
                """, [runID])
            return Outcome(previousRunID: previous, requeuedUsers: requeued)
        }
    }
}
