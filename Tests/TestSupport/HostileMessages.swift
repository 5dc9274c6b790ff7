import LinearAlgebra
import Pipeline

/// One message for the stream: raw key and value, and the event when the message is a plain valid one.
public struct FuzzMessage: Sendable {
    public var key: [UInt8]?
    public var value: [UInt8]
    /// Set for the valid events the fuzz mixes in (they must be applied exactly once).
    public var valid: InteractionEvent?
    /// What was done to the message, for failure output.
    public var kind: String
}

/// Seeded hostile messages: one field of a valid event replaced by a hostile literal, or a whole hostile payload.
/// Every message carries a unique (user_id, event_id) where it has any, so each message ends up as exactly one
/// stored interaction or one dead letter.
public enum HostileMessages {
    /// Literals a producer bug or an attacker might put in any field.
    static let literals: [String] = [
        "1e39", "-1e39", "3.4e38", "3.5e38", "1e308", "1e309", "-0", "0", "1", "5", "0.1", "-1", "4.9e-324", "1e-400",
        "2147483647", "2147483648", "4294967296", "9223372036854775807", "99999999999999999999999", "1e11", "1e300",
        "10000000000", "9000000000000000", "1E+2", "01", "1.", ".5", "+1", "NaN", "Infinity", "-Infinity",
        #""NaN""#, #""Infinity""#, #""-Infinity""#, #""1e39""#, #""2147483648""#, #""42""#, #""""#, #""   ""#,
        #""\u0000""#, #""a\u0000b""#, #""\"\\\u0301""#, #""e\u0301\"""#, #""\u001f""#, #""\u007f""#, #""\u0085""#,
        #""\ud800""#, #""\uDBFF\uDFFF""#, #""\u202e""#, #""🎬\"\\""#, #""\\\\\\\\""#,
        #""9999-12-31T23:59:59Z""#, #""0001-01-01T00:00:00Z""#, #""2024-02-30T00:00:00Z""#, #""2024-01-01T00:00:00+99:00""#,
        #""rating""#, #""purchase""#, #""watch""#, #""bogus\u0000\"\\""#,
        "true", "false", "null", "{}", "[]", "[1]", #"{"a":1}"#,
    ]

    static let fields = ["event_id", "user_id", "item_id", "type", "value", "ts"]

    /// `count` hostile messages; ids of users that carry them start at `firstUser` (above the valid users).
    public static func generate(count: Int, seed: UInt64, firstUser: Int, items: Int) -> [FuzzMessage] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { serial in
            let user = firstUser + serial
            var base: [String: String] = [
                "event_id": "\"h-\(serial)\"", "user_id": "\(user)", "item_id": "\(1 + Int(rng.next() % UInt64(items)))",
                "type": ["\"rating\"", "\"view\"", "\"watch\"", "\"purchase\"", "\"click\""][Int(rng.next() % 5)],
                "value": ["1", "3", "5", "0.5", "1000"][Int(rng.next() % 5)], "ts": "\(1_600_000_000 + Int(rng.next() % 100_000_000))",
            ]
            let key = Array(String(user).utf8)
            let choice = rng.next() % 100
            if choice < 70 {
                let field = fields[Int(rng.next() % UInt64(fields.count))]
                let literal = literals[Int(rng.next() % UInt64(literals.count))]
                base[field] = literal
                return FuzzMessage(key: key, value: object(base), valid: nil, kind: "\(field)=\(literal)")
            }
            return whole(kind: Int(choice - 70), base: base, key: key, rng: &rng)
        }
    }

    private static func object(_ fields: [String: String]) -> [UInt8] {
        Array(("{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}").utf8)
    }

    private static func whole(kind: Int, base: [String: String], key: [UInt8], rng: inout SeededGenerator) -> FuzzMessage {
        let valid = object(base)
        switch kind % 15 {
        case 0: return FuzzMessage(key: key, value: [], valid: nil, kind: "empty value")
        case 1: return FuzzMessage(key: Array("99999999999".utf8), value: Array(valid.prefix(valid.count / 2)), valid: nil, kind: "truncated, huge key id")
        case 2: return FuzzMessage(key: key, value: (0..<64).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, valid: nil, kind: "random bytes")
        case 3: return FuzzMessage(key: key, value: Array((String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8), valid: nil, kind: "deep nesting")
        case 4:
            var padded = base
            padded["pad"] = "\"" + String(repeating: "x", count: 20_000) + "\""
            return FuzzMessage(key: key, value: object(padded), valid: nil, kind: "oversized value")
        case 5: return FuzzMessage(key: [UInt8](repeating: 0x41, count: 100_000), value: valid, valid: nil, kind: "oversized key")
        case 6: return FuzzMessage(key: [0, 0xFF, 0xFE, 0x22, 0x5C], value: valid, valid: nil, kind: "binary key")
        case 7: return FuzzMessage(key: key, value: [0xEF, 0xBB, 0xBF] + valid, valid: nil, kind: "BOM prefix")
        case 8: return FuzzMessage(key: key, value: valid + Array(" x".utf8), valid: nil, kind: "trailing bytes")
        case 9:
            var broken = valid
            if let quote = broken.lastIndex(of: UInt8(ascii: "\"")) { broken.insert(contentsOf: [0xC3, 0x28, 0xFF], at: quote) }
            return FuzzMessage(key: key, value: broken, valid: nil, kind: "invalid UTF-8 in a string")
        case 10: return FuzzMessage(key: key, value: Array(#"{"event_id":"d","event_id":"e"}"#.utf8), valid: nil, kind: "duplicate keys")
        case 11: return FuzzMessage(key: key, value: Array("null".utf8), valid: nil, kind: "JSON null")
        case 12: return FuzzMessage(key: nil, value: Array("   \n\t ".utf8), valid: nil, kind: "whitespace, no key")
        case 13:
            var nested = base
            nested["meta"] = String(repeating: #"{"a":"#, count: 500) + "1" + String(repeating: "}", count: 500)
            return FuzzMessage(key: key, value: object(nested), valid: nil, kind: "nested unknown field")
        default:
            // Valid after all: boundary values and unusual but printable ids must be applied, not refused.
            var edge = base
            edge["event_id"] = "\"h-\(base["user_id"]!)-é\\u0301\\\"\\\\🎬\""
            edge["type"] = "\"purchase\""
            edge["value"] = "1000000"
            return FuzzMessage(key: key, value: object(edge), valid: nil, kind: "boundary purchase")
        }
    }

    /// Plain valid events for `users` users over `items` items, with unique event ids.
    public static func validEvents(count: Int, users: Int, items: Int, seed: UInt64) -> [FuzzMessage] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let type = InteractionType.allCases[Int(rng.next() % 5)]
            let value: Double = switch type {
            case .rating: Double(1 + rng.next() % 5)
            case .watch: Double(rng.next() % 101) / 100
            case .purchase: Double(rng.next() % 5000) / 100
            case .view, .click: 1
            }
            let event = InteractionEvent(eventID: "v-\(index)", userID: 1 + Int(rng.next() % UInt64(users)),
                                         itemID: 1 + Int(rng.next() % UInt64(items)), type: type, value: value,
                                         timestamp: 1_690_000_000 + Double(index * 37))
            return FuzzMessage(key: Array(String(event.userID).utf8), value: EventCodec.encode(event), valid: event, kind: "valid")
        }
    }
}
