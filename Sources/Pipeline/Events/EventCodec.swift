import Foundation

/// Why an event was refused; stored with the raw payload in the dead-letter table.
public struct EventRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Encodes and validates event contract v1. Decoding never throws past a rejection: every failure
/// has a reason a person can act on.
public enum EventCodec {
    public static let maxPayloadBytes = 16 * 1024
    static let maxEventIDLength = 200

    public static func encode(_ event: InteractionEvent) -> [UInt8] {
        var out = "{\"event_id\":"
        out += jsonString(event.eventID)
        out += ",\"user_id\":\(event.userID),\"item_id\":\(event.itemID),\"type\":\"\(event.type.rawValue)\""
        out += ",\"value\":\(formatNumber(event.value)),\"ts\":\(formatNumber(event.timestamp))}"
        return Array(out.utf8)
    }

    public static func decode(_ payload: [UInt8]) -> Result<InteractionEvent, EventRejection> {
        guard payload.count <= maxPayloadBytes else {
            return .failure(EventRejection("payload of \(payload.count) bytes exceeds the \(maxPayloadBytes)-byte limit"))
        }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else {
                return .failure(EventRejection("malformed JSON: expected an object"))
            }
            object = parsed
        } catch {
            return .failure(EventRejection("malformed JSON: \(String(describing: error).prefix(200))"))
        }
        return Result { try validate(object) }.mapError { $0 as? EventRejection ?? EventRejection("\($0)") }
    }

    private static func validate(_ object: [String: Any]) throws -> InteractionEvent {
        let eventID = try eventIDField(object)
        let userID = try positiveInteger(object, "user_id")
        let itemID = try positiveInteger(object, "item_id")
        guard let typeValue = object["type"] else { throw EventRejection("missing field 'type'") }
        guard let typeName = typeValue as? String, let type = InteractionType(rawValue: typeName) else {
            let allowed = InteractionType.allCases.map(\.rawValue).joined(separator: "|")
            throw EventRejection("unknown type '\(typeValue)' (expected \(allowed))")
        }
        let value: Double
        switch type {
        case .rating:
            guard object["value"] != nil else { throw EventRejection("missing field 'value' for a rating") }
            value = try number(object, "value")
            guard InteractionEvent.ratingRange.contains(value) else {
                throw EventRejection("rating value \(formatNumber(value)) is outside 1...5")
            }
        default:
            value = object["value"] == nil || object["value"] is NSNull ? 1 : try number(object, "value")
            guard value >= 0 else { throw EventRejection("value must not be negative for type \(type.rawValue)") }
        }
        let timestamp = try timestampField(object)
        return InteractionEvent(eventID: eventID, userID: userID, itemID: itemID, type: type, value: value, timestamp: timestamp)
    }

    private static func eventIDField(_ object: [String: Any]) throws -> String {
        guard let raw = object["event_id"] else { throw EventRejection("missing field 'event_id'") }
        let id: String
        if let text = raw as? String {
            id = text
        } else if let number = raw as? NSNumber, !isBoolean(number) {
            id = number.stringValue
        } else {
            throw EventRejection("event_id must be a string")
        }
        guard !id.isEmpty, id.utf8.count <= maxEventIDLength else {
            throw EventRejection("event_id must be 1...\(maxEventIDLength) bytes long")
        }
        return id
    }

    private static func positiveInteger(_ object: [String: Any], _ key: String) throws -> Int {
        guard let raw = object[key] else { throw EventRejection("missing field '\(key)'") }
        if let number = raw as? NSNumber, !isBoolean(number) {
            let double = number.doubleValue
            if double >= 1, double <= Double(Int32.max), double.rounded() == double { return Int(double) }
        } else if let text = raw as? String, let parsed = Int(text), parsed >= 1, parsed <= Int(Int32.max) {
            return parsed
        }
        throw EventRejection("\(key) must be a positive integer, got \(String(describing: raw).prefix(40))")
    }

    private static func number(_ object: [String: Any], _ key: String) throws -> Double {
        guard let number = object[key] as? NSNumber, !isBoolean(number), number.doubleValue.isFinite else {
            throw EventRejection("\(key) must be a number")
        }
        return number.doubleValue
    }

    /// Accepts epoch seconds (or milliseconds, detected by magnitude) or an ISO-8601 string.
    private static func timestampField(_ object: [String: Any]) throws -> Double {
        guard let raw = object["ts"] else { throw EventRejection("missing field 'ts'") }
        if let number = raw as? NSNumber, !isBoolean(number), number.doubleValue.isFinite, number.doubleValue >= 0 {
            let value = number.doubleValue
            return value > 100_000_000_000 ? value / 1000 : value
        }
        if let text = raw as? String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
            formatter.formatOptions = [.withInternetDateTime]
            if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        }
        throw EventRejection("ts must be epoch seconds or an ISO-8601 time, got \(String(describing: raw).prefix(40))")
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        // On Linux, JSON booleans arrive as NSNumber too; their objCType is "c".
        String(cString: number.objCType) == "c"
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func formatNumber(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
