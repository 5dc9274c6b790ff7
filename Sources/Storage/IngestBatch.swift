import Pipeline

/// A refused event, kept with enough context to find and replay it.
public struct DeadLetter: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var userID: Int?
    public var payload: [UInt8]
    public var reason: String

    /// Payloads are stored up to this many bytes; the full size is recorded beside them.
    public static let storedPayloadLimit = 4096

    public init(topic: String, partition: Int32, offset: Int64, userID: Int?, payload: [UInt8], reason: String) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.userID = userID
        self.payload = payload
        self.reason = reason
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
    public var deadLetters: [DeadLetter]
    public var progress: [PartitionProgress]

    public init(groupID: String, events: [InteractionEvent], deadLetters: [DeadLetter], progress: [PartitionProgress]) {
        self.groupID = groupID
        self.events = events
        self.deadLetters = deadLetters
        self.progress = progress
    }
}

public struct IngestOutcome: Sendable {
    /// Events newly stored (duplicates by event id are not counted).
    public var inserted: Int
    public var duplicates: Int
    public var usersTouched: Int
    public var stubItemsCreated: Int
}

/// The batch's offsets no longer match the database: another worker owns or has advanced the partition.
public struct OffsetFenceViolation: Error, CustomStringConvertible, Sendable {
    public let topic: String
    public let partition: Int32
    public var description: String {
        "stored offset for \(topic)[\(partition)] moved under this worker (another group member applied it); rereading from the stored offset"
    }
}
