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
        do {
            let fields = try payload.withUnsafeBufferPointer { try EventFields.scan($0) }
            return .success(try validate(fields))
        } catch let error as FlatJSONError {
            return .failure(EventRejection(error.reason))
        } catch {
            return .failure(error as? EventRejection ?? EventRejection("\(error)"))
        }
    }

    private static func validate(_ fields: EventFields) throws -> InteractionEvent {
        let eventID = try eventIDField(fields.eventID)
        let userID = try positiveInteger(fields.userID, "user_id")
        let itemID = try positiveInteger(fields.itemID, "item_id")
        guard let typeValue = fields.type else { throw EventRejection("missing field 'type'") }
        guard case .string(let typeName) = typeValue, let type = InteractionType(rawValue: typeName) else {
            let allowed = InteractionType.allCases.map(\.rawValue).joined(separator: "|")
            throw EventRejection("unknown type '\(typeValue.displayText.prefix(40))' (expected \(allowed))")
        }
        let value: Double
        switch type {
        case .rating:
            guard let raw = fields.value else { throw EventRejection("missing field 'value' for a rating") }
            value = try number(raw, "value")
            guard InteractionEvent.ratingRange.contains(value) else {
                throw EventRejection("rating value \(formatNumber(value)) is outside 1...5")
            }
        default:
            if let raw = fields.value, raw != .null {
                value = try number(raw, "value")
            } else {
                value = 1
            }
            guard value >= 0 else { throw EventRejection("value must not be negative for type \(type.rawValue)") }
        }
        let timestamp = try timestampField(fields.ts)
        return InteractionEvent(eventID: eventID, userID: userID, itemID: itemID, type: type, value: value, timestamp: timestamp)
    }

    private static func eventIDField(_ raw: FlatJSONValue?) throws -> String {
        let id: String
        switch raw {
        case nil: throw EventRejection("missing field 'event_id'")
        case .string(let text): id = text
        case .number(let value, let literal, let isInteger): id = isInteger ? literal : String(value)
        default: throw EventRejection("event_id must be a string")
        }
        guard !id.isEmpty, id.utf8.count <= maxEventIDLength else {
            throw EventRejection("event_id must be 1...\(maxEventIDLength) bytes long")
        }
        return id
    }

    private static func positiveInteger(_ raw: FlatJSONValue?, _ key: String) throws -> Int {
        guard let raw else { throw EventRejection("missing field '\(key)'") }
        switch raw {
        case .number(let double, _, _):
            if double >= 1, double <= Double(Int32.max), double.rounded() == double { return Int(double) }
        case .string(let text):
            if let parsed = Int(text), parsed >= 1, parsed <= Int(Int32.max) { return parsed }
        default:
            break
        }
        throw EventRejection("\(key) must be a positive integer, got \(raw.displayText.prefix(40))")
    }

    private static func number(_ raw: FlatJSONValue, _ key: String) throws -> Double {
        guard case .number(let value, _, _) = raw else { throw EventRejection("\(key) must be a number") }
        return value
    }

    /// Accepts epoch seconds (or milliseconds, detected by magnitude) or an ISO-8601 string.
    private static func timestampField(_ raw: FlatJSONValue?) throws -> Double {
        guard let raw else { throw EventRejection("missing field 'ts'") }
        switch raw {
        case .number(let value, _, _) where value >= 0:
            return value > 100_000_000_000 ? value / 1000 : value
        case .string(let text):
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
            formatter.formatOptions = [.withInternetDateTime]
            if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        default:
            break
        }
        throw EventRejection("ts must be epoch seconds or an ISO-8601 time, got \(raw.displayText.prefix(40))")
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
