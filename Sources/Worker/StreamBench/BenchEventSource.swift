import Pipeline

/// Synthetic interaction events for `bench stream`: uniform users, popularity-skewed items, mostly ratings.
/// The event time is the produce time, so freshness is measured from the moment an event leaves the producer.
struct BenchEventSource {
    let users: Int
    let items: Int
    private var generator: SplitMix64

    init(users: Int, items: Int, seed: UInt64) {
        self.users = users
        self.items = items
        generator = SplitMix64(seed: seed)
    }

    mutating func event(number: Int, producedAt: Double) -> InteractionEvent {
        let userID = Int(generator.next() % UInt64(users)) + 1
        // Squaring a uniform draw skews towards low ids: a few items are much more popular than the rest.
        let uniform = Double(generator.next() >> 11) / Double(1 << 53)
        let itemID = min(items, Int(uniform * uniform * Double(items)) + 1)
        let isRating = generator.next() % 10 < 7
        let value = isRating ? Double(generator.next() % 5 + 1) : 1
        return InteractionEvent(eventID: "b\(number)", userID: userID, itemID: itemID, type: isRating ? .rating : .view,
                                value: value, timestamp: producedAt)
    }
}

/// A small, fast, seedable generator (the bench must not spend its time making random numbers).
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
