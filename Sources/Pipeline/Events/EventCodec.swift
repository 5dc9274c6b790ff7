import Foundation

/// Why an event was refused; stored with the raw payload in the dead-letter table.
public struct EventRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Encodes and validates event contract v1 (`EventContract` holds the ranges). Decoding never throws past a
/// rejection: every failure has a reason that names the field and the rule it broke.
public enum EventCodec {
    public static var maxPayloadBytes: Int { EventContract.maxPayloadBytes }

    public static func encode(_ event: InteractionEvent) -> [UInt8] {
        var out = "{\"event_id\":"
        out += jsonString(event.eventID)
        out += ",\"user_id\":\(event.userID),\"item_id\":\(event.itemID),\"type\":\"\(event.type.rawValue)\""
        out += ",\"value\":\(formatNumber(event.value)),\"ts\":\(formatNumber(event.timestamp))}"
        return Array(out.utf8)
    }

    /// Decodes one payload against `contract`, with `now` (epoch seconds) bounding future event times.
    public static func decode(_ payload: [UInt8], contract: EventContract = EventContract(),
                              now: Double = Date().timeIntervalSince1970) -> Result<InteractionEvent, EventRejection> {
        guard payload.count <= EventContract.maxPayloadBytes else {
            return .failure(EventRejection("payload of \(payload.count) bytes exceeds the \(EventContract.maxPayloadBytes)-byte limit"))
        }
        do {
            let fields = try payload.withUnsafeBufferPointer { try EventFields.scan($0) }
            return .success(try validate(fields, contract: contract, now: now))
        } catch let error as FlatJSONError {
            return .failure(EventRejection(error.reason))
        } catch {
            return .failure(error as? EventRejection ?? EventRejection("\(error)"))
        }
    }

    private static func validate(_ fields: EventFields, contract: EventContract, now: Double) throws -> InteractionEvent {
        let eventID = try eventIDField(fields.eventID)
        let userID = try idField(fields.userID, "user_id")
        let itemID = try idField(fields.itemID, "item_id")
        guard let typeValue = fields.type else { throw EventRejection("missing field 'type'") }
        guard case .string(let typeName) = typeValue, let type = InteractionType(rawValue: typeName) else {
            let allowed = InteractionType.allCases.map(\.rawValue).joined(separator: "|")
            throw EventRejection("field 'type': unknown type \(quoted(typeValue)) (expected \(allowed))")
        }
        let value = try valueField(fields.value, type: type)
        let timestamp = try timestampField(fields.ts, window: contract.timestampWindow(now: now))
        return InteractionEvent(eventID: eventID, userID: userID, itemID: itemID, type: type, value: value, timestamp: timestamp)
    }

    private static func eventIDField(_ raw: FlatJSONValue?) throws -> String {
        let id: String
        switch raw {
        case nil: throw EventRejection("missing field 'event_id'")
        case .string(let text): id = text
        case .number(let value, let literal, let isInteger): id = isInteger ? literal : String(value)
        case let other?: throw EventRejection("field 'event_id': must be a string or a number, got \(quoted(other))")
        }
        let bytes = EventContract.eventIDBytes
        guard bytes.contains(id.utf8.count) else {
            throw EventRejection("field 'event_id': must be \(bytes.lowerBound)...\(bytes.upperBound) bytes long, got \(id.utf8.count)")
        }
        if let control = id.unicodeScalars.first(where: EventContract.isControl) {
            throw EventRejection("field 'event_id': control character U+\(hex(control)) is not allowed")
        }
        return id
    }

    private static func idField(_ raw: FlatJSONValue?, _ key: String) throws -> Int {
        guard let raw else { throw EventRejection("missing field '\(key)'") }
        let range = EventContract.idRange
        switch raw {
        case .number(let double, _, _):
            if double >= Double(range.lowerBound), double <= Double(range.upperBound), double.rounded() == double { return Int(double) }
        case .string(let text) where text.utf8.count <= EventContract.maxIDStringBytes:
            if let parsed = Int(text), range.contains(parsed) { return parsed }
        default:
            break
        }
        throw EventRejection("field '\(key)': must be an integer in \(range.lowerBound)...\(range.upperBound), got \(quoted(raw))")
    }

    private static func valueField(_ raw: FlatJSONValue?, type: InteractionType) throws -> Double {
        let value: Double
        switch raw {
        case .number(let number, _, _):
            value = number
        case nil, .some(.null):
            guard let fallback = EventContract.defaultValue(for: type) else {
                throw EventRejection("missing field 'value' for a \(type.rawValue)")
            }
            value = fallback
        case let other?:
            throw EventRejection("field 'value': must be a number, got \(quoted(other))")
        }
        let range = EventContract.valueRange(for: type)
        guard value.isFinite, range.contains(value) else {
            throw EventRejection("field 'value': \(rawText(raw, value)) is outside \(formatNumber(range.lowerBound))...\(formatNumber(range.upperBound)) for type \(type.rawValue)")
        }
        return value
    }

    /// Accepts epoch seconds (or milliseconds, detected by magnitude) or an ISO-8601 string inside `window`.
    private static func timestampField(_ raw: FlatJSONValue?, window: ClosedRange<Double>) throws -> Double {
        guard let raw else { throw EventRejection("missing field 'ts'") }
        let seconds: Double
        switch raw {
        case .number(let value, _, _):
            seconds = value > 100_000_000_000 ? value / 1000 : value
        case .string(let text):
            guard let parsed = iso8601Seconds(text) else {
                throw EventRejection("field 'ts': must be epoch seconds or an ISO-8601 time, got \(quoted(raw))")
            }
            seconds = parsed
        default:
            throw EventRejection("field 'ts': must be epoch seconds or an ISO-8601 time, got \(quoted(raw))")
        }
        guard seconds.isFinite, window.contains(seconds) else {
            throw EventRejection("field 'ts': \(raw.displayText.prefix(40)) is outside the accepted window \(formatNumber(window.lowerBound.rounded(.down)))...\(formatNumber(window.upperBound.rounded(.down))) (epoch seconds)")
        }
        return seconds
    }

    private static func iso8601Seconds(_ text: String) -> Double? {
        guard text.utf8.count <= 64 else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)?.timeIntervalSince1970
    }

    /// A field's value as a reason shows it: at most 40 characters, quoted when it was a string, with control
    /// characters written as escapes so the reason itself is always printable text.
    static func quoted(_ raw: FlatJSONValue) -> String {
        var shown = ""
        for scalar in raw.displayText.unicodeScalars.prefix(40) {
            if EventContract.isControl(scalar) { shown += "\\u{\(hex(scalar))}" } else { shown.unicodeScalars.append(scalar) }
        }
        if case .string = raw { return "'\(shown)'" }
        return shown
    }

    private static func rawText(_ raw: FlatJSONValue?, _ value: Double) -> String {
        if case .number(_, let literal, _)? = raw { return String(literal.prefix(40)) }
        return formatNumber(value)
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
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
