import Foundation
import Pipeline
import PostgresClient

/// The `dead_letters` table: refused messages with their reasons, for operators to list, read and replay.
public struct DeadLetterStore: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Records refused messages; a message already recorded (same topic, partition, offset) keeps its first row.
    /// Every value goes as bytes or as printable text (see `DeadLetter`), so this never fails on what a message held.
    public func insert(_ letters: [DeadLetter]) throws {
        guard !letters.isEmpty else { return }
        try connection.execute("""
            INSERT INTO dead_letters (topic, partition, kafka_offset, user_id, payload, payload_bytes, reason, sqlstate, kafka_key)
            SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::int[], $5::bytea[], $6::int[], $7::text[], $8::text[], $9::bytea[])
            ON CONFLICT (topic, partition, kafka_offset) DO NOTHING
            """, [
                letters.map { DeadLetter.printable($0.topic, maxBytes: 255) }, letters.map { Int($0.partition) },
                letters.map { Int($0.offset) }, letters.map(\.userID),
                letters.map { PostgresBytes(Array($0.origin.payload.prefix(DeadLetter.storedPayloadLimit))) },
                letters.map(\.origin.payload.count), letters.map(\.reason), letters.map(\.sqlState),
                letters.map { $0.origin.key.map { PostgresBytes(Array($0.prefix(DeadLetter.storedKeyLimit))) } },
            ])
    }

    /// One stored dead letter as operators see it.
    public struct Entry: Sendable {
        public var id: Int
        public var topic: String
        public var partition: Int
        public var offset: Int
        public var userID: Int?
        public var payload: [UInt8]
        public var payloadBytes: Int
        public var key: [UInt8]?
        public var reason: String
        public var sqlState: String?
        public var receivedAt: String
        public var replayCount: Int
        public var resolved: Bool

        /// Only a payload stored whole can be replayed.
        public var isTruncated: Bool { payload.count < payloadBytes }
    }

    /// Which dead letters a command works on. Empty filters match every row.
    public struct Filter: Sendable {
        public var ids: [Int] = []
        public var reasonContains: String?
        public var topic: String?
        public var since: String?
        public var until: String?
        public var includeResolved = false
        public var limit = 100

        public init() {}
    }

    public func entries(_ filter: Filter) throws -> [Entry] {
        let rows = try connection.query("""
            SELECT dead_letter_id, topic, partition, kafka_offset, user_id, payload, payload_bytes, kafka_key, reason,
                   sqlstate, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS received_at,
                   replay_count, resolved
            FROM dead_letters
            WHERE (cardinality($1::bigint[]) = 0 OR dead_letter_id = ANY($1::bigint[]))
              AND ($2::text IS NULL OR strpos(reason, $2) > 0)
              AND ($3::text IS NULL OR topic = $3)
              AND ($4::timestamptz IS NULL OR received_at >= $4)
              AND ($5::timestamptz IS NULL OR received_at < $5)
              AND ($6 OR NOT resolved)
            ORDER BY dead_letter_id
            LIMIT $7
            """, [filter.ids, filter.reasonContains, filter.topic, filter.since, filter.until, filter.includeResolved, filter.limit])
        return try rows.map { row in
            Entry(id: try row.int("dead_letter_id"), topic: try row.string("topic"), partition: try row.int("partition"),
                  offset: try row.int("kafka_offset"), userID: row.optionalInt("user_id"),
                  payload: try row.bytes("payload"), payloadBytes: try row.int("payload_bytes"),
                  key: try row.optionalBytes("kafka_key"), reason: try row.string("reason"), sqlState: row["sqlstate"],
                  receivedAt: try row.string("received_at"), replayCount: try row.int("replay_count"),
                  resolved: try row.bool("resolved"))
        }
    }

    /// Marks a replay: resolved when the event was applied (or was already there), otherwise the new reason.
    public func recordReplay(id: Int, resolved: Bool, reason: String?, sqlState: String?) throws {
        try connection.execute("""
            UPDATE dead_letters SET replay_count = replay_count + 1, replayed_at = now(), resolved = $2,
                   reason = coalesce($3, reason), sqlstate = CASE WHEN $2 THEN sqlstate ELSE $4 END
            WHERE dead_letter_id = $1
            """, [id, resolved, reason.map { DeadLetter.printable($0, maxBytes: DeadLetter.reasonLimitBytes) }, sqlState])
    }
}
