import PostgresClient

/// The crash-loop guard (`ingest_attempts`): before a guarded batch is applied, its partition's first offset is
/// recorded in a transaction of its own; the batch's transaction deletes the row. A row that is still there
/// when the partition is next read means that batch never committed, however the worker died.
public struct IngestAttempts: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// A batch starting at `offset` that was tried `attempts` times without committing.
    public struct Record: Sendable, Hashable {
        public var offset: Int64
        public var attempts: Int
        public var lastError: String?
    }

    /// Counts one more try of a batch starting at `offset` (the count restarts when the offset moved on) and
    /// returns the record including this try.
    @discardableResult
    public func begin(groupID: String, partition: TopicPartitionID, offset: Int64) throws -> Record {
        let row = try connection.query("""
            INSERT INTO ingest_attempts AS a (group_id, topic, partition, kafka_offset) VALUES ($1, $2, $3, $4)
            ON CONFLICT (group_id, topic, partition) DO UPDATE SET
                attempts = CASE WHEN a.kafka_offset = EXCLUDED.kafka_offset THEN a.attempts + 1 ELSE 1 END,
                last_error = CASE WHEN a.kafka_offset = EXCLUDED.kafka_offset THEN a.last_error END,
                kafka_offset = EXCLUDED.kafka_offset, updated_at = now()
            RETURNING kafka_offset, attempts, last_error
            """, [groupID, partition.topic, Int(partition.partition), offset])[0]
        return Record(offset: Int64(try row.int("kafka_offset")), attempts: try row.int("attempts"), lastError: row["last_error"])
    }

    /// Notes why the last try failed (shown in the dead letter if the limit is reached).
    public func fail(groupID: String, partition: TopicPartitionID, error: String) throws {
        try connection.execute("""
            UPDATE ingest_attempts SET last_error = $4, updated_at = now() WHERE group_id = $1 AND topic = $2 AND partition = $3
            """, [groupID, partition.topic, Int(partition.partition), DeadLetter.printable(error, maxBytes: 500)])
    }

    /// Unfinished tries per partition of a topic (read at assignment).
    public func pending(groupID: String, topic: String) throws -> [Int32: Record] {
        let rows = try connection.query(
            "SELECT partition, kafka_offset, attempts, last_error FROM ingest_attempts WHERE group_id = $1 AND topic = $2",
            [groupID, topic])
        var records = [Int32: Record]()
        for row in rows {
            records[Int32(try row.int("partition"))] = Record(
                offset: Int64(try row.int("kafka_offset")), attempts: try row.int("attempts"), lastError: row["last_error"])
        }
        return records
    }

    func clear(groupID: String, partition: TopicPartitionID) throws {
        try connection.execute("DELETE FROM ingest_attempts WHERE group_id = $1 AND topic = $2 AND partition = $3",
                                [groupID, partition.topic, Int(partition.partition)])
    }
}
