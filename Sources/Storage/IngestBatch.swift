import Pipeline

/// Where a consumed message came from: enough to dead-letter it, or anything decoded from it, and replay it.
public struct MessageOrigin: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var payload: [UInt8]

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, payload: [UInt8]) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.payload = payload
    }

    /// The user the key names, when it is a valid id (a key is free bytes: anything else is recorded as NULL).
    public var keyUserID: Int? {
        guard let key, key.count <= 20, let id = Int(String(decoding: key, as: UTF8.self)),
              EventContract.idRange.contains(id) else { return nil }
        return id
    }
}

/// A refused message, kept with enough context to find and replay it. Every field is made safe to store
/// whatever the message held: the reason is printable text of bounded size, the payload and key are bytes.
public struct DeadLetter: Sendable {
    public var origin: MessageOrigin
    public var reason: String
    /// The SQLSTATE when the database refused the event; nil when the codec did.
    public var sqlState: String?

    /// Payloads are stored up to this many bytes; the full size is recorded beside them.
    public static let storedPayloadLimit = 4096
    static let storedKeyLimit = 1024
    static let reasonLimitBytes = 1000

    public init(origin: MessageOrigin, reason: String, sqlState: String? = nil) {
        self.origin = origin
        self.reason = Self.printable(reason, maxBytes: Self.reasonLimitBytes)
        self.sqlState = sqlState.map { Self.printable($0, maxBytes: 5) }
    }

    public var topic: String { origin.topic }
    public var partition: Int32 { origin.partition }
    public var offset: Int64 { origin.offset }
    public var userID: Int? { origin.keyUserID }

    /// Text PostgreSQL stores whatever it held: control characters (NUL among them) written as `\u{…}`,
    /// cut to `maxBytes` of UTF-8 at a character boundary.
    static func printable(_ text: String, maxBytes: Int) -> String {
        var out = ""
        var bytes = 0
        for scalar in text.unicodeScalars {
            let piece = EventContract.isControl(scalar) ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            bytes += piece.utf8.count
            guard bytes <= maxBytes else { break }
            out += piece
        }
        return out
    }
}

/// Where one partition's progress stood and where this batch moves it.
public struct PartitionProgress: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// The stored next offset this worker believes is current (nil: no row yet). The batch commits only if it
    /// still is, so two workers can never both apply the same offsets.
    public var expectedNextOffset: Int64?
    public var newNextOffset: Int64

    public init(topic: String, partition: Int32, expectedNextOffset: Int64?, newNextOffset: Int64) {
        self.topic = topic
        self.partition = partition
        self.expectedNextOffset = expectedNextOffset
        self.newNextOffset = newNextOffset
    }
}

/// Everything one consumed batch changes, applied in one transaction.
public struct IngestBatch: Sendable {
    public var groupID: String
    public var events: [InteractionEvent]
    /// The message each event was decoded from (same order as `events`), so an event the database refuses can
    /// be dead-lettered alone; empty for batches that do not come from Kafka (fixtures, benchmarks).
    public var origins: [MessageOrigin]
    public var deadLetters: [DeadLetter]
    public var progress: [PartitionProgress]
    /// Partitions whose guard row (`ingest_attempts`) this batch's transaction clears when it commits.
    public var guardedPartitions: [TopicPartitionID]

    public init(groupID: String, events: [InteractionEvent], origins: [MessageOrigin] = [], deadLetters: [DeadLetter],
                progress: [PartitionProgress], guardedPartitions: [TopicPartitionID] = []) {
        self.groupID = groupID
        self.events = events
        self.origins = origins
        self.deadLetters = deadLetters
        self.progress = progress
        self.guardedPartitions = guardedPartitions
    }
}

/// A topic and partition, as Storage names them (KafkaClient's type stays below the Worker).
public struct TopicPartitionID: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}

public struct IngestOutcome: Sendable {
    /// Events newly stored (duplicates by event id are not counted).
    public var inserted: Int
    public var duplicates: Int
    public var usersTouched: Int
    public var stubItemsCreated: Int
    /// Events the database refused on their own, found by splitting the batch, and dead-lettered.
    public var isolated: [DeadLetter] = []
    /// The transaction that applied the batch (nil for a batch that advanced no offset), for telling which
    /// refresh claims saw it (`CommitSnapshot.sees`).
    public var transactionID: UInt64?

    public init(inserted: Int, duplicates: Int, usersTouched: Int, stubItemsCreated: Int, isolated: [DeadLetter] = []) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.usersTouched = usersTouched
        self.stubItemsCreated = stubItemsCreated
        self.isolated = isolated
    }
}

/// The batch's offsets no longer match the database: another worker owns or has advanced the partition.
public struct OffsetFenceViolation: Error, CustomStringConvertible, Sendable {
    public let topic: String
    public let partition: Int32
    public var description: String {
        "stored offset for \(topic)[\(partition)] moved under this worker (another group member applied it); rereading from the stored offset"
    }
}
