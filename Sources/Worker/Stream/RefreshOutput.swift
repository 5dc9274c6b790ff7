import KafkaClient
import Pipeline

/// The stream side of the `recommendations` topic: one `RecommendationMessage` per refreshed user, sent after
/// the user's rows are committed, keyed by user id (the nightly job sends the same message per user after a
/// flip). Delivery is confirmed before the refresh queue entries are acknowledged, so a crash in between
/// refreshes and sends those users again: at least once, and a consumer caching by key converges.
struct RefreshOutput: Sendable {
    let producer: KafkaProducer
    let topic: String

    func send(_ message: RecommendationMessage) throws {
        try producer.send(topic: topic, key: RecommendationMessageCodec.key(userID: message.userID),
                          value: RecommendationMessageCodec.encode(message))
    }

    /// Waits until every message sent so far is delivered.
    func flush() throws { try producer.flush() }
}
