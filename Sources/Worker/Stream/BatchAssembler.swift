import KafkaClient
import Pipeline
import Storage

/// Turns consumed messages into one `IngestBatch`: valid events, dead letters with reasons, and each
/// partition's offset progress (expected stored offset → last offset + 1).
struct BatchAssembler {
    let groupID: String

    func assemble(_ messages: [KafkaMessage], positions: PartitionPositions) -> IngestBatch {
        var events = [InteractionEvent]()
        events.reserveCapacity(messages.count)
        var deadLetters = [DeadLetter]()
        var last = [TopicPartition: Int64]()
        for message in messages {
            last[message.topicPartition] = max(last[message.topicPartition] ?? -1, message.offset)
            switch EventCodec.decode(message.value) {
            case .success(let event):
                events.append(event)
            case .failure(let rejection):
                deadLetters.append(DeadLetter(
                    topic: message.topicPartition.topic, partition: message.topicPartition.partition, offset: message.offset,
                    userID: message.key.flatMap { Int(String(decoding: $0, as: UTF8.self)) }, payload: message.value,
                    reason: rejection.reason))
            }
        }
        let progress = last.compactMap { partition, lastOffset -> PartitionProgress? in
            guard case .some(let expected) = positions.expected(partition) else { return nil }
            return PartitionProgress(topic: partition.topic, partition: partition.partition,
                                     expectedNextOffset: expected, newNextOffset: lastOffset + 1)
        }
        return IngestBatch(groupID: groupID, events: events, deadLetters: deadLetters, progress: progress)
    }
}
