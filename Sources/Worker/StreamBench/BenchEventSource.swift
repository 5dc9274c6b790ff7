import LinearAlgebra
import Pipeline

/// Synthetic interaction events for `bench stream`: uniform users, popularity-skewed items, mostly ratings.
/// The event time is the produce time, so freshness is measured from the moment an event leaves the producer.
struct BenchEventSource {
    let users: Int
    let items: Int
    private var generator: SeededGenerator

    init(users: Int, items: Int, seed: UInt64) {
        self.users = users
        self.items = items
        generator = SeededGenerator(seed: seed)
    }

    mutating func event(number: Int, producedAt: Double) -> InteractionEvent {
        let userID = Int(generator.next() % UInt64(users)) + 1
        // Squaring a uniform draw skews towards low ids: a few items are much more popular than the rest.
        let uniform = generator.nextDouble()
        let itemID = min(items, Int(uniform * uniform * Double(items)) + 1)
        let isRating = generator.next() % 10 < 7
        let value = isRating ? Double(generator.next() % 5 + 1) : 1
        return InteractionEvent(eventID: "b\(number)", userID: userID, itemID: itemID, type: isRating ? .rating : .view,
                                value: value, timestamp: producedAt)
    }
}
