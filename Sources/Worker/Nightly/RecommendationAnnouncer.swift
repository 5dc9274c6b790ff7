import KafkaClient
import Pipeline
import Storage

/// Publishes a run's lists to the output topic, one message per user keyed by user id, after the run flipped.
/// The producer is idempotent, and a consumer caching by key converges even when a resumed announcement
/// sends some users twice.
struct RecommendationAnnouncer: Sendable {
    let producer: KafkaProducer
    let topic: String
    /// Users read from PostgreSQL per page.
    var pageSize = 1_000

    /// Sends every user's message and waits until all are delivered; returns how many were sent.
    func announce(runID: Int, writer: PublicationWriter) throws -> Int {
        var after = Int(Int32.min)
        var sent = 0
        while true {
            let messages = try writer.messages(runID: runID, afterUserID: after, limit: pageSize)
            guard let last = messages.last else { break }
            for message in messages {
                try producer.send(topic: topic, key: RecommendationMessageCodec.key(userID: message.userID),
                                  value: RecommendationMessageCodec.encode(message))
            }
            sent += messages.count
            after = last.userID
        }
        try producer.flush()
        return sent
    }
}
