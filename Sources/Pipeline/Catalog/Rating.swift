/// One explicit rating as MovieLens ships it (`u.data`): the unit of training and evaluation data.
public struct Rating: Sendable, Hashable, Codable {
    public var userID: Int
    public var itemID: Int
    public var value: Float
    /// Seconds since the Unix epoch.
    public var timestamp: Int64

    public init(userID: Int, itemID: Int, value: Float, timestamp: Int64) {
        self.userID = userID
        self.itemID = itemID
        self.value = value
        self.timestamp = timestamp
    }
}
