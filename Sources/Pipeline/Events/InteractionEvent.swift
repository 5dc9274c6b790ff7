/// Kinds of interaction in event contract v1.
public enum InteractionType: String, Sendable, CaseIterable, Codable {
    case rating, view, watch, purchase, click
}

/// One user-item interaction, as carried on the `interactions` topic (event contract v1):
/// `{"event_id","user_id","item_id","type","value","ts"}`, keyed by user id.
public struct InteractionEvent: Sendable, Hashable {
    public var eventID: String
    public var userID: Int
    public var itemID: Int
    public var type: InteractionType
    /// The rating (1...5) for `rating`; a weight (default 1) for the implicit types.
    public var value: Double
    /// Event time in seconds since the Unix epoch.
    public var timestamp: Double

    public init(eventID: String, userID: Int, itemID: Int, type: InteractionType, value: Double, timestamp: Double) {
        self.eventID = eventID
        self.userID = userID
        self.itemID = itemID
        self.type = type
        self.value = value
        self.timestamp = timestamp
    }

    public static let ratingRange: ClosedRange<Double> = 1...5
}
