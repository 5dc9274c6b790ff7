import Foundation

/// One row of a query result in PostgreSQL's text format, with typed accessors.
public struct PostgresRow: Sendable {
    public let values: [String?]
    let columnIndex: [String: Int]

    public subscript(_ index: Int) -> String? { values[index] }
    public subscript(_ name: String) -> String? {
        guard let index = columnIndex[name] else { return nil }
        return values[index]
    }

    public func string(_ name: String) throws -> String {
        guard let value = self[name] else { throw missing(name) }
        return value
    }

    public func int(_ name: String) throws -> Int {
        guard let text = self[name], let value = Int(text) else { throw missing(name) }
        return value
    }

    public func optionalInt(_ name: String) -> Int? { self[name].flatMap { Int($0) } }

    public func double(_ name: String) throws -> Double {
        guard let text = self[name], let value = Double(text) else { throw missing(name) }
        return value
    }

    public func optionalDouble(_ name: String) -> Double? { self[name].flatMap { Double($0) } }

    public func bool(_ name: String) throws -> Bool {
        guard let text = self[name] else { throw missing(name) }
        return text == "t"
    }

    /// Decodes a `bytea` column sent in text (hex) format.
    public func bytes(_ name: String) throws -> [UInt8] {
        guard let text = self[name] else { throw missing(name) }
        return try PostgresBytea.decodeHex(text)
    }

    public func optionalBytes(_ name: String) throws -> [UInt8]? {
        try self[name].map { try PostgresBytea.decodeHex($0) }
    }

    /// Decodes a one-dimensional array column of scalars, e.g. `int[]` or `text[]` without quoting.
    public func intArray(_ name: String) throws -> [Int] {
        guard let text = self[name] else { throw missing(name) }
        return PostgresArray.split(text).compactMap { Int($0) }
    }

    private func missing(_ name: String) -> PostgresError {
        PostgresError(kind: .protocolViolation, message: "column \(name) is missing, null or not of the expected type")
    }
}

enum PostgresArray {
    static func split(_ text: String) -> [Substring] {
        let inner = text.dropFirst().dropLast()
        return inner.isEmpty ? [] : inner.split(separator: ",")
    }
}

/// `bytea` hex-format codec (`\x0a1b…`), the server default since PostgreSQL 9.0.
public enum PostgresBytea {
    public static func encodeHex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 2 + bytes.count * 2)
        out[0] = UInt8(ascii: "\\")
        out[1] = UInt8(ascii: "x")
        for (i, byte) in bytes.enumerated() {
            out[2 + 2 * i] = digits[Int(byte >> 4)]
            out[3 + 2 * i] = digits[Int(byte & 0x0f)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decodeHex(_ text: String) throws -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw PostgresError(kind: .protocolViolation, message: "bytea value is not in hex format")
        }
        // A table instead of a throwing switch per digit: stored models are hundreds of MB of hex.
        var out = [UInt8](repeating: 0, count: (utf8.count - 2) / 2)
        var bad = false
        for index in out.indices {
            let high = hexValues[Int(utf8[2 + 2 * index])], low = hexValues[Int(utf8[3 + 2 * index])]
            bad = bad || high > 15 || low > 15
            out[index] = high << 4 | low
        }
        if bad { throw PostgresError(kind: .protocolViolation, message: "bad hex digit in bytea") }
        return out
    }

    /// The value of each ASCII hex digit; 255 for every other byte.
    private static let hexValues: [UInt8] = (0..<256).map { byte in
        switch byte {
        case 48...57: UInt8(byte - 48)
        case 97...102: UInt8(byte - 87)
        case 65...70: UInt8(byte - 55)
        default: 255
        }
    }
}
