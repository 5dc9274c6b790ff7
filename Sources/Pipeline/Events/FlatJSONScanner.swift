/// A scalar JSON value as the flat-object scanner hands it over.
enum FlatJSONValue: Equatable {
    case string(String)
    /// `literal` is the number as written (kept so an integer event id keeps every digit).
    case number(Double, literal: String, isInteger: Bool)
    case bool(Bool)
    case null

    /// How the value reads in a rejection reason.
    var displayText: String {
        switch self {
        case .string(let text): text
        case .number(_, let literal, _): literal
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        }
    }
}

/// Why the scanner refused a payload; `reason` goes into the dead letter.
struct FlatJSONError: Error {
    let reason: String
}

/// A strict single-pass scanner for one flat JSON object (RFC 8259 grammar, UTF-8): an object whose values
/// are strings, numbers, booleans or null. Nested objects and arrays, duplicate keys, invalid UTF-8, lone
/// surrogates, control characters in strings and trailing bytes are refused. It replaces a general JSON
/// parser on the ingest hot path: no dictionaries, no boxing, one pass over the bytes.
struct FlatJSONScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Calls `field` for every member in order; the keys it sees are unique.
    mutating func scanObject(_ field: (_ key: UnsafeBufferPointer<UInt8>, _ value: FlatJSONValue) throws -> Void) throws {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else {
            if position == bytes.count { throw malformed("empty payload") }
            throw FlatJSONError(reason: "malformed JSON: expected an object")
        }
        position += 1
        var seenKeys = [UnsafeBufferPointer<UInt8>]()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw malformed("expected a quoted key") }
                let keyStart = position
                _ = try scanString()
                // Keys are compared as written; the contract's keys need no escapes.
                let key = UnsafeBufferPointer(rebasing: bytes[(keyStart + 1)..<(position - 1)])
                if seenKeys.contains(where: { $0.elementsEqual(key) }) {
                    throw FlatJSONError(reason: "malformed JSON: duplicate key '\(String(decoding: key, as: UTF8.self))'")
                }
                seenKeys.append(key)
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw malformed("expected ':' after a key") }
                position += 1
                skipWhitespace()
                let value = try scanValue(key: key)
                try field(key, value)
                skipWhitespace()
                let separator = peek()
                guard separator == UInt8(ascii: ",") || separator == UInt8(ascii: "}") else {
                    throw malformed("expected ',' or '}'")
                }
                position += 1
                if separator == UInt8(ascii: "}") { break }
            }
        }
        skipWhitespace()
        guard position == bytes.count else { throw malformed("unexpected bytes after the object") }
    }

    private mutating func scanValue(key: UnsafeBufferPointer<UInt8>) throws -> FlatJSONValue {
        guard let next = peek() else { throw malformed("unexpected end of input") }
        switch next {
        case UInt8(ascii: "\""): return .string(try scanString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try scanNumber()
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            throw FlatJSONError(reason: "nested value in field '\(String(decoding: key, as: UTF8.self))': event contract v1 is a flat object")
        default: throw malformed("unexpected character")
        }
    }

    /// Scans a string starting at its opening quote; leaves `position` after the closing quote.
    private mutating func scanString() throws -> String {
        position += 1
        let start = position
        var plain = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                break
            } else if byte == UInt8(ascii: "\\") {
                plain = false
                position += 2
            } else if byte < 0x20 {
                throw malformed("control character in a string")
            } else {
                position += 1
            }
        }
        guard position < bytes.count else { throw malformed("unterminated string") }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<position])
        position += 1
        if plain {
            if raw.allSatisfy({ $0 < 0x80 }) { return String(decoding: raw, as: UTF8.self) }
            guard let text = String(validating: raw, as: UTF8.self) else { throw malformed("invalid UTF-8 in a string") }
            return text
        }
        return try unescape(raw)
    }

    private func unescape(_ raw: UnsafeBufferPointer<UInt8>) throws -> String {
        var out = [UInt8]()
        out.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < raw.count else { throw malformed("unterminated escape") }
            let escaped = raw[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hexQuad(raw, at: index)
                index += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u") else {
                        throw malformed("unpaired surrogate in \\u escape")
                    }
                    let low = try hexQuad(raw, at: index + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw malformed("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw malformed("unpaired surrogate in \\u escape")
                }
                out.append(contentsOf: String(Unicode.Scalar(scalar)!).utf8)
            default:
                throw malformed("invalid escape '\\\(Character(Unicode.Scalar(escaped)))'")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw malformed("invalid UTF-8 in a string") }
        return text
    }

    private func hexQuad(_ raw: UnsafeBufferPointer<UInt8>, at index: Int) throws -> UInt32 {
        guard index + 4 <= raw.count else { throw malformed("short \\u escape") }
        var value: UInt32 = 0
        for byte in raw[index..<(index + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw malformed("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; integers of up to 18 digits are converted exactly
    /// without going through text.
    private mutating func scanNumber() throws -> FlatJSONValue {
        let start = position
        let negative = peek() == UInt8(ascii: "-")
        if negative { position += 1 }
        let integerStart = position
        guard let first = peek(), isDigit(first) else { throw malformed("invalid number") }
        var integer: Int64 = 0
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            while let byte = peek(), isDigit(byte) {
                if position - integerStart < 18 { integer = integer * 10 + Int64(byte - UInt8(ascii: "0")) }
                position += 1
            }
        }
        let integerDigits = position - integerStart
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard try skipDigits() > 0 else { throw malformed("digits expected after '.'") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard try skipDigits() > 0 else { throw malformed("digits expected in the exponent") }
        }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, integerDigits <= 18 {
            return .number(Double(negative ? -integer : integer), literal: literal, isInteger: true)
        }
        guard let value = Double(literal), value.isFinite else { throw malformed("number out of range") }
        return .number(value, literal: literal, isInteger: isInteger)
    }

    private mutating func skipDigits() throws -> Int {
        let start = position
        while let byte = peek(), isDigit(byte) { position += 1 }
        return position - start
    }

    private mutating func expectLiteral(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count,
              UnsafeBufferPointer(rebasing: bytes[position..<(position + count)])
                .elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: count))
        else { throw malformed("invalid literal") }
        position += count
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func malformed(_ detail: String) -> FlatJSONError {
        FlatJSONError(reason: "malformed JSON: \(detail) at byte \(position)")
    }
}
