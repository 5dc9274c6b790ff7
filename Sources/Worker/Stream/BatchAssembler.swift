import Foundation
import KafkaClient
import Pipeline
import Storage

/// Turns consumed messages into one `IngestBatch`: valid events with the message each came from, dead letters
/// with reasons, and each partition's offset progress (expected stored offset → last offset + 1).
struct BatchAssembler {
    let groupID: String
    let contract: EventContract

    func assemble(_ messages: [KafkaMessage], positions: PartitionPositions, guarded: [TopicPartition] = [],
                  extraDeadLetters: [DeadLetter] = [], now: Double = Date().timeIntervalSince1970) -> IngestBatch {
        var events = [InteractionEvent]()
        var origins = [MessageOrigin]()
        events.reserveCapacity(messages.count)
        origins.reserveCapacity(messages.count)
        var deadLetters = extraDeadLetters
        var last = [TopicPartition: Int64]()
        for message in messages {
            last[message.topicPartition] = max(last[message.topicPartition] ?? -1, message.offset)
            let origin = Self.origin(of: message)
            switch EventCodec.decode(message.value, contract: contract, now: now) {
            case .success(let event):
                events.append(event)
                origins.append(origin)
            case .failure(let rejection):
                deadLetters.append(DeadLetter(origin: origin, reason: rejection.reason))
            }
        }
        for letter in extraDeadLetters {
            let partition = TopicPartition(topic: letter.topic, partition: letter.partition)
            last[partition] = max(last[partition] ?? -1, letter.offset)
        }
        let progress = last.compactMap { partition, lastOffset -> PartitionProgress? in
            guard case .some(let expected) = positions.expected(partition) else { return nil }
            return PartitionProgress(topic: partition.topic, partition: partition.partition,
                                     expectedNextOffset: expected, newNextOffset: lastOffset + 1)
        }
        return IngestBatch(groupID: groupID, events: events, origins: origins, deadLetters: deadLetters, progress: progress,
                           guardedPartitions: guarded.map { TopicPartitionID(topic: $0.topic, partition: $0.partition) })
    }

    static func origin(of message: KafkaMessage) -> MessageOrigin {
        MessageOrigin(topic: message.topicPartition.topic, partition: message.topicPartition.partition,
                      offset: message.offset, key: message.key, payload: message.value)
    }
}
