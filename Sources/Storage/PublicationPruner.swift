import PostgresClient

/// Deletes runs beyond the newest `keep` published ones, in bounded batches so that no statement holds
/// locks or bloats WAL in proportion to a whole run. The current run and a running run are never touched.
public struct PublicationPruner: Sendable {
    public struct Outcome: Sendable, Hashable {
        public var deletedRuns: [Int] = []
        public var deletedRows = 0
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// - Parameters:
    ///   - keep: how many published runs (the current one and those it superseded) to keep.
    ///   - batchSize: lists (or progress rows) deleted per statement.
    public func prune(keep: Int, batchSize: Int) throws -> Outcome {
        precondition(keep >= 1 && batchSize >= 1)
        let doomed = try connection.query("""
            SELECT run_id FROM recommendation_runs
            WHERE status <> 'running'
              AND run_id IS DISTINCT FROM (SELECT current_run_id FROM publication_state)
              AND run_id NOT IN (
                  SELECT run_id FROM recommendation_runs WHERE status IN ('published', 'superseded')
                  ORDER BY run_id DESC LIMIT $1)
            ORDER BY run_id
            """, [keep]).map { try $0.int("run_id") }
        var outcome = Outcome()
        for runID in doomed {
            outcome.deletedRows += try deleteInBatches(table: "recommendation_lists", runID: runID, batchSize: batchSize,
                                                       publishedRows: "cardinality(item_ids)")
            _ = try deleteInBatches(table: "run_progress", runID: runID, batchSize: batchSize)
            // The run row goes last: until then a crash mid-prune leaves a run that the next prune finishes.
            try connection.execute("DELETE FROM recommendation_runs WHERE run_id = $1", [runID])
            outcome.deletedRuns.append(runID)
        }
        return outcome
    }

    /// - Returns: the published rows deleted (a list counts its items).
    private func deleteInBatches(table: String, runID: Int, batchSize: Int, publishedRows: String = "1") throws -> Int {
        var total = 0
        while true {
            let batch = try connection.query("""
                WITH deleted AS (
                    DELETE FROM \(table) WHERE ctid = ANY(ARRAY(SELECT ctid FROM \(table) WHERE run_id = $1 LIMIT $2))
                    RETURNING \(publishedRows) AS published_rows
                )
                SELECT count(*) AS deleted, coalesce(sum(published_rows), 0) AS published_rows FROM deleted
                """, [runID, batchSize])[0]
            total += try batch.int("published_rows")
            if try batch.int("deleted") < batchSize { return total }
        }
    }
}
