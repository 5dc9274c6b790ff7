/// Turns an interaction event into the one number the models train on, and is the only place that does.
///
/// Every weight lands in `EventWeights.modelRange` (0…5, the rating scale the models were tuned on):
/// - `rating`: the rating times `rating` (default 1, so 1…5 stays 1…5);
/// - `watch`: `watch` times the watched fraction, the event's `value` clipped to 0…1 (default 4 for a full watch);
/// - `purchase`, `click`, `view`: their configured weight (defaults 5, 1.5 and 1); the event's `value`
///   (a price, a dwell time) is not a preference strength and is ignored.
/// A non-finite value or a weight of 0 keeps the event out of the models (it still counts in profiles).
/// `InteractionData.add` clips again, so a caller that bypasses this type cannot feed a solver 3.4e38 either.
public struct EventWeights: Sendable, Hashable {
    public var rating: Float = 1
    public var watch: Float = 4
    public var purchase: Float = 5
    public var click: Float = 1.5
    public var view: Float = 1

    /// What every model input is clipped to.
    public static let modelRange: ClosedRange<Float> = 0...5

    public init() {}

    public static let `default` = EventWeights()

    /// The configured weight of a type (for a rating: the multiplier of its value).
    public subscript(type: InteractionType) -> Float {
        get {
            switch type {
            case .rating: rating
            case .watch: watch
            case .purchase: purchase
            case .click: click
            case .view: view
            }
        }
        set {
            switch type {
            case .rating: rating = newValue
            case .watch: watch = newValue
            case .purchase: purchase = newValue
            case .click: click = newValue
            case .view: view = newValue
            }
        }
    }

    /// The model weight of one event, or nil when it must not reach the models.
    public func weight(type: InteractionType, value: Double) -> Float? {
        guard value.isFinite else { return nil }
        let raw: Double = switch type {
        case .rating: Double(rating) * min(max(value, InteractionEvent.ratingRange.lowerBound), InteractionEvent.ratingRange.upperBound)
        case .watch: Double(watch) * min(max(value, 0), 1)
        case .purchase, .click, .view: Double(self[type])
        }
        guard let weight = Self.clip(Float(raw)), weight > 0 else { return nil }
        return weight
    }

    /// The model input for one event (`Rating.value` = its weight), or nil when it must not reach the models.
    public func rating(userID: Int, itemID: Int, type: InteractionType, value: Double, timestamp: Int64) -> Rating? {
        weight(type: type, value: value).map { Rating(userID: userID, itemID: itemID, value: $0, timestamp: timestamp) }
    }

    public func rating(_ event: InteractionEvent) -> Rating? {
        rating(userID: event.userID, itemID: event.itemID, type: event.type, value: event.value,
               timestamp: event.timestamp.isFinite ? Int64(event.timestamp) : 0)
    }

    /// Clips into `modelRange`; nil for NaN and infinities.
    public static func clip(_ value: Float) -> Float? {
        guard value.isFinite else { return nil }
        return min(max(value, modelRange.lowerBound), modelRange.upperBound)
    }
}

/// How several events of one (user, item) pair combine into the pair's single model input.
public enum InteractionAccumulation: String, Sendable, CaseIterable, Hashable {
    /// The strongest signal wins: a `watch` after a 5-star rating leaves 5. Order-free, so the nightly snapshot
    /// (newest first) and the stream (oldest first) agree.
    case max
    /// Evidence adds up (a rewatch, a purchase after a watch), capped at the top of `EventWeights.modelRange`.
    case sum

    public func combine(_ stored: Float, _ incoming: Float) -> Float {
        switch self {
        case .max: Swift.max(stored, incoming)
        case .sum: Swift.min(stored + incoming, EventWeights.modelRange.upperBound)
        }
    }
}
