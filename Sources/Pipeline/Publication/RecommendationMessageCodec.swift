import Foundation

/// Kafka key and value bytes of a `RecommendationMessage`. The key is the decimal user id, so every message
/// for a user lands on one partition in order and a compacted topic keeps only the latest list per user.
public enum RecommendationMessageCodec {
    public static func key(userID: Int) -> [UInt8] { Array(String(userID).utf8) }

    /// Compact JSON with sorted keys and ISO-8601 UTC timestamps: equal messages encode to equal bytes.
    public static func encode(_ message: RecommendationMessage) throws -> [UInt8] {
        Array(try encoder.encode(message))
    }

    public static func decode(_ bytes: [UInt8]) throws -> RecommendationMessage {
        try decoder.decode(RecommendationMessage.self, from: Data(bytes))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
