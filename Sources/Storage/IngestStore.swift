import Foundation
import Pipeline
import PostgresClient

/// Applies consumed batches with exactly-once effects: events, profile aggregates, stub items,
/// dead letters, the refresh queue and the partitions' next offsets all commit in one transaction.
///
/// A batch the database refuses for a reason that is not transient (a data exception, a constraint) does not
/// stop the partition: the batch is applied again in halves under savepoints until each refused event stands
/// alone; those are dead-lettered with the SQLSTATE and message, and the rest commits with the same offsets.
public struct IngestStore: Sendable {
    let connection: PostgresConnection
    let knownItems: KnownItems

    /// Pass the same `knownItems` to every batch of a loop; a fresh one asks about every item once.
    public init(connection: PostgresConnection, knownItems: KnownItems = KnownItems()) {
        self.connection = connection
        self.knownItems = knownItems
    }

    public func apply(_ batch: IngestBatch) throws -> IngestOutcome {
        let outcome: IngestOutcome
        do {
            do {
                outcome = try applyWhole(batch, duplicates: .unexpected)
            } catch let error as PostgresError where error.isUniqueViolation {
                outcome = try applyWhole(batch, duplicates: .skipped)
            }
        } catch let error as PostgresError where !error.isTransient && !batch.events.isEmpty && !batch.origins.isEmpty {
            outcome = try applyIsolating(batch)
        }
        // Committed: every item of the batch is in `items` now, unless an event was refused (its stub went with it).
        if outcome.isolated.isEmpty { knownItems.learn(batch.events.map(\.itemID)) }
        return outcome
    }

    /// How the events' insert treats an event id already stored. A stream rarely repeats one (a producer's retry,
    /// a replay), so a batch is first inserted without `ON CONFLICT`: its arbiter check is a second descent of the
    /// primary key for every event, about a third of the insert's time (66–89 ms against 41–47 ms per 5,000 events
    /// at 50,000 users). A batch holding a stored id is refused whole (23505) and applied again skipping them.
    enum Duplicates { case unexpected, skipped }

    private func applyWhole(_ batch: IngestBatch, duplicates: Duplicates) throws -> IngestOutcome {
        try connection.transaction { tx in
            let transactionID = try advanceOffsets(tx, batch)
            var outcome = try applyEvents(tx, batch.events, duplicates: duplicates)
            try finish(tx, batch, isolated: [])
            outcome.transactionID = transactionID
            return outcome
        }
    }

    /// The slow path: the same transaction, but every part of the batch under its own savepoint.
    private func applyIsolating(_ batch: IngestBatch) throws -> IngestOutcome {
        try connection.transaction { tx in
            var outcome = IngestOutcome(inserted: 0, duplicates: 0, usersTouched: 0, stubItemsCreated: 0)
            outcome.transactionID = try advanceOffsets(tx, batch)
            try isolate(tx, batch, batch.events.indices, into: &outcome)
            try finish(tx, batch, isolated: outcome.isolated)
            return outcome
        }
    }

    /// Applies `part` under a savepoint; when the database refuses it, rolls the part back and tries each half,
    /// so a refused event ends up alone and is dead-lettered, and every other event is applied once.
    private func isolate(_ tx: PostgresConnection, _ batch: IngestBatch, _ part: Range<Int>, into outcome: inout IngestOutcome) throws {
        guard !part.isEmpty else { return }
        try tx.execute("SAVEPOINT ingest_part")
        do {
            let applied = try applyEvents(tx, part.map { batch.events[$0] }, duplicates: .skipped)
            try tx.execute("RELEASE SAVEPOINT ingest_part")
            outcome.inserted += applied.inserted
            outcome.duplicates += applied.duplicates
            outcome.usersTouched += applied.usersTouched
            outcome.stubItemsCreated += applied.stubItemsCreated
        } catch let error as PostgresError where !error.isTransient {
            try tx.execute("ROLLBACK TO SAVEPOINT ingest_part")
            try tx.execute("RELEASE SAVEPOINT ingest_part")
            guard part.count > 1 else {
                outcome.isolated.append(DeadLetter(
                    origin: batch.origins[part.first!], reason: "refused by the database: \(error.description)", sqlState: error.sqlState))
                return
            }
            let middle = part.lowerBound + part.count / 2
            try isolate(tx, batch, part[..<middle], into: &outcome)
            try isolate(tx, batch, part[middle...], into: &outcome)
        }
    }

    private func applyEvents(_ tx: PostgresConnection, _ events: [InteractionEvent], duplicates: Duplicates) throws -> IngestOutcome {
        guard !events.isEmpty else { return IngestOutcome(inserted: 0, duplicates: 0, usersTouched: 0, stubItemsCreated: 0) }
        let statement = duplicates == .skipped ? Self.applySkippingDuplicatesSQL : Self.applySQL
        let row = try tx.query(statement, [knownItems.unknown(among: events)] + Self.columns(of: events))[0]
        let inserted = try row.int("inserted")
        return IngestOutcome(inserted: inserted, duplicates: events.count - inserted,
                             usersTouched: try row.int("users"), stubItemsCreated: try row.int("stubs"))
    }

    /// Dead letters (the codec's and the database's) and the guard rows, in the batch's own transaction.
    private func finish(_ tx: PostgresConnection, _ batch: IngestBatch, isolated: [DeadLetter]) throws {
        try DeadLetterStore(connection: tx).insert(batch.deadLetters + isolated)
        for partition in batch.guardedPartitions {
            try IngestAttempts(connection: tx).clear(groupID: batch.groupID, partition: partition)
        }
    }

    /// Next offsets per partition for a consumer group (where to resume after an assignment).
    public func storedOffsets(groupID: String, topic: String) throws -> [Int32: Int64] {
        let rows = try connection.query(
            "SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2", [groupID, topic])
        return Dictionary(uniqueKeysWithValues: try rows.map { (Int32(try $0.int("partition")), Int64(try $0.int("next_offset"))) })
    }

    /// Returns the transaction's id (read along with the first offset, so it costs no round trip).
    private func advanceOffsets(_ tx: PostgresConnection, _ batch: IngestBatch) throws -> UInt64? {
        var transactionID: UInt64?
        for progress in batch.progress {
            let changed: [PostgresRow]
            if let expected = progress.expectedNextOffset {
                changed = try tx.query("""
                    UPDATE consumer_offsets SET next_offset = $4, updated_at = now()
                    WHERE group_id = $1 AND topic = $2 AND partition = $3 AND next_offset = $5
                    RETURNING pg_current_xact_id()::text AS xid
                    """, [batch.groupID, progress.topic, Int(progress.partition), progress.newNextOffset, expected])
            } else {
                changed = try tx.query("""
                    INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
                    ON CONFLICT DO NOTHING
                    RETURNING pg_current_xact_id()::text AS xid
                    """, [batch.groupID, progress.topic, Int(progress.partition), progress.newNextOffset])
            }
            guard changed.count == 1 else { throw OffsetFenceViolation(topic: progress.topic, partition: progress.partition) }
            transactionID = transactionID ?? changed[0]["xid"].flatMap { UInt64($0) }
        }
        return transactionID
    }

    /// The events as the statement's column arrays ($2…$7, read by `unnest`), in binary. Not a staged temporary table:
    /// PostgreSQL truncates a session's `ON COMMIT DELETE ROWS` tables at every commit, and that truncate waited
    /// up to 1.4 s for the file system's journal while the kernel wrote back other files, holding the batch's
    /// commit (and every later event's freshness) with it. Ids are in `EventContract.idRange`, so they fit `integer`.
    static func columns(of events: [InteractionEvent]) -> [any PostgresEncodable] {
        [PostgresBinaryArray.int4(events.map { Int32($0.userID) }), PostgresBinaryArray.text(events.map(\.eventID)),
         PostgresBinaryArray.int4(events.map { Int32($0.itemID) }), PostgresBinaryArray.text(events.map(\.type.rawValue)),
         PostgresBinaryArray.float4(events.map { Float($0.value) }), PostgresBinaryArray.float8(events.map(\.timestamp))]
    }

    /// One statement so PostgreSQL plans the whole batch at once; data-modifying CTEs all run even when
    /// unreferenced, and every aggregate reads exactly the rows this statement inserted (`ins`), so a batch
    /// applied in parts never counts a part twice.
    /// Every upsert takes its row locks in key order (the ORDER BYs), as the refresher's writes to the same rows do,
    /// so concurrent workers and refreshers wait for each other instead of deadlocking.
    /// Stubs are made for the batch's items not known to exist yet ($1, `KnownItems`, in id order).
    /// A user already queued is not written again: the profile's `updated_at` and `event_count` are the touch
    /// (RefreshQueue). Item counters, activity and genre sums are not written here at all: `ItemStatsRollup` adds
    /// many batches to the item counters at once, and `user_activity` and `user_genre_affinity` compute theirs from
    /// the interactions when read.
    static let applySQL = applyStatement(onStoredEventID: "")
    /// For a batch that holds event ids already stored: those events are skipped.
    static let applySkippingDuplicatesSQL = applyStatement(onStoredEventID: "ON CONFLICT (user_id, event_id) DO NOTHING")

    private static func applyStatement(onStoredEventID conflictClause: String) -> String { """
        WITH ins AS (
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at)
            SELECT DISTINCT ON (user_id, event_id) user_id, event_id, item_id, type, value, to_timestamp(ts)
            FROM unnest($2::integer[], $3::text[], $4::integer[], $5::text[], $6::real[], $7::double precision[])
                AS staged(user_id, event_id, item_id, type, value, ts)
            \(conflictClause)
            RETURNING user_id, item_id, type, value, occurred_at
        ), profiles AS (
            INSERT INTO user_profiles AS p (user_id, event_count, rating_count, rating_sum, rating_sum_sq,
                view_count, watch_count, purchase_count, click_count, first_seen, last_seen, updated_at)
            SELECT user_id, count(*),
                count(*) FILTER (WHERE type = 'rating'),
                coalesce(sum(value) FILTER (WHERE type = 'rating'), 0),
                coalesce(sum(value::double precision * value) FILTER (WHERE type = 'rating'), 0),
                count(*) FILTER (WHERE type = 'view'), count(*) FILTER (WHERE type = 'watch'),
                count(*) FILTER (WHERE type = 'purchase'), count(*) FILTER (WHERE type = 'click'),
                min(occurred_at), max(occurred_at), now()
            FROM ins GROUP BY user_id ORDER BY user_id
            ON CONFLICT (user_id) DO UPDATE SET
                event_count = p.event_count + EXCLUDED.event_count,
                rating_count = p.rating_count + EXCLUDED.rating_count,
                rating_sum = p.rating_sum + EXCLUDED.rating_sum,
                rating_sum_sq = p.rating_sum_sq + EXCLUDED.rating_sum_sq,
                view_count = p.view_count + EXCLUDED.view_count,
                watch_count = p.watch_count + EXCLUDED.watch_count,
                purchase_count = p.purchase_count + EXCLUDED.purchase_count,
                click_count = p.click_count + EXCLUDED.click_count,
                first_seen = LEAST(p.first_seen, EXCLUDED.first_seen),
                last_seen = GREATEST(p.last_seen, EXCLUDED.last_seen),
                updated_at = now()
            RETURNING user_id
        ), stubs AS (
            INSERT INTO items (item_id, title, is_stub)
            SELECT item_id, 'Item ' || item_id, true FROM unnest($1::int[]) AS unknown(item_id)
            WHERE item_id IN (SELECT item_id FROM ins)
            ON CONFLICT (item_id) DO NOTHING
            RETURNING item_id
        ), queued AS (
            INSERT INTO refresh_queue (user_id)
            SELECT user_id FROM profiles ORDER BY user_id
            ON CONFLICT (user_id) DO NOTHING
            RETURNING user_id
        )
        SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT count(*) FROM profiles) AS users,
               (SELECT count(*) FROM stubs) AS stubs, (SELECT count(*) FROM queued) AS queued
        """
    }
}
