import Pipeline
import PostgresClient

/// Everything a nightly run trains and ranks on, as of the run's snapshot instant. Reading it again for the
/// same instant gives the same data, which is what makes `--resume` produce the rows an uninterrupted run would.
public struct PublicationSnapshot: Sendable {
    public var snapshotAt: String
    /// The run's exact snapshot (`pg_snapshot` text); nil for runs from before migration 010.
    public var snapshotXids: String?
    /// Every interaction ingested up to the snapshot, by ascending user id, newest first within a user.
    /// Event ids are left empty: nothing downstream reads them, and at 20 million rows each is a heap string.
    public var interactions: [InteractionEvent]
    /// Users with interactions or demographics, ascending.
    public var userIDs: [Int]
    public var items: [Int: Item]
    public var demographics: [Int: UserDemographics]
    /// Interactions per user ingested after the previous nightly snapshot (all of them when there was none).
    public var changedCounts: [Int: Int]

    /// Reads the interactions `run` trains on: those whose ingest transaction is visible in the run's stored
    /// PostgreSQL snapshot (exact, whenever the transactions commit); runs from before migration 010 fall back
    /// to `ingested_at <= snapshot_at`. - Parameter previous: the previous published nightly run ("changed since").
    public static func read(_ connection: PostgresConnection, run: PublicationRun, previous: PublicationRun?) throws -> PublicationSnapshot {
        let snapshotAt = run.snapshotAt ?? ""
        return try connection.transaction { tx in
            // One MVCC snapshot for the three reads, so items and users match the interactions.
            try tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            var interactions = [InteractionEvent]()
            var changed = [Int: Int]()
            // Read in chunks: at ML-20M size the result is 20 million rows.
            try tx.forEachChunk("""
                SELECT user_id, item_id, type, value, extract(epoch FROM occurred_at)::float8 AS ts,
                       CASE WHEN $3::pg_snapshot IS NOT NULL THEN NOT pg_visible_in_snapshot(ingest_xid, $3::pg_snapshot)
                            ELSE $4::timestamptz IS NULL OR ingested_at > $4::timestamptz END AS changed
                FROM interactions
                WHERE CASE WHEN $1::pg_snapshot IS NOT NULL THEN pg_visible_in_snapshot(ingest_xid, $1::pg_snapshot)
                           ELSE ingested_at <= $2::timestamptz END
                ORDER BY user_id, occurred_at DESC, event_id COLLATE "C" DESC
                """, [run.snapshotXids, snapshotAt, previous?.snapshotXids, previous?.snapshotAt]) { rows in
                interactions.reserveCapacity(interactions.count + rows.count)
                for row in rows {
                    // By position: a name lookup per field is measurable at 20 million rows.
                    guard let user = row[0].flatMap({ Int($0) }), let item = row[1].flatMap({ Int($0) }),
                          let value = row[3].flatMap({ Double($0) }), let timestamp = row[4].flatMap({ Double($0) }) else {
                        throw StorageError("interactions row without user, item, value or time: \(row.values)")
                    }
                    interactions.append(InteractionEvent(
                        eventID: "", userID: user, itemID: item, type: row[2].flatMap(InteractionType.init(rawValue:)) ?? .view,
                        value: value, timestamp: timestamp))
                    if row[5] == "t" { changed[user, default: 0] += 1 }
                }
            }
            var items = [Int: Item]()
            for row in try tx.query("SELECT item_id, title, year, genres FROM items") {
                let id = try row.int("item_id")
                items[id] = Item(id: id, title: try row.string("title"), year: row.optionalInt("year"),
                                 genres: PostgresTextArray.parse(row["genres"] ?? "{}"))
            }
            var demographics = [Int: UserDemographics]()
            for row in try tx.query("SELECT user_id, age, gender, occupation, zip FROM users") {
                let id = try row.int("user_id")
                demographics[id] = UserDemographics(id: id, age: row.optionalInt("age"), gender: row["gender"],
                                                    occupation: row["occupation"], zip: row["zip"])
            }
            let userIDs = Set(interactions.map(\.userID)).union(demographics.keys).sorted()
            return PublicationSnapshot(snapshotAt: snapshotAt, snapshotXids: run.snapshotXids, interactions: interactions,
                                       userIDs: userIDs, items: items, demographics: demographics, changedCounts: changed)
        }
    }
}
