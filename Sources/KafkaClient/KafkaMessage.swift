/// A topic and partition, the unit of ordering and of consumer-group assignment.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    public var description: String { "\(topic)[\(partition)]" }
}

/// A consumed record, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    public let topicPartition: TopicPartition
    public let offset: Int64
    public let key: [UInt8]?
    public let value: [UInt8]
    /// Broker or producer timestamp in milliseconds since the epoch, when present.
    public let timestampMilliseconds: Int64?

    public init(topicPartition: TopicPartition, offset: Int64, key: [UInt8]?, value: [UInt8], timestampMilliseconds: Int64?) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }
}
