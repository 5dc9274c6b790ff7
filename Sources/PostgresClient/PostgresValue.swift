/// A value that can be sent as a query parameter, in text format unless it has a binary form.
public protocol PostgresEncodable: Sendable {
    /// The text representation PostgreSQL parses for the parameter's type; nil sends SQL NULL.
    var postgresText: String? { get }
    /// The binary wire form, sent instead of the text when present.
    var postgresBinary: [UInt8]? { get }
}

extension PostgresEncodable {
    public var postgresBinary: [UInt8]? { nil }
}

extension String: PostgresEncodable { public var postgresText: String? { self } }
extension Substring: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Int: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Int32: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Int64: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Double: PostgresEncodable { public var postgresText: String? { isFinite ? String(self) : (isNaN ? "NaN" : (self > 0 ? "Infinity" : "-Infinity")) } }
extension Float: PostgresEncodable { public var postgresText: String? { Double(self).postgresText } }
extension Bool: PostgresEncodable { public var postgresText: String? { self ? "t" : "f" } }
extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self.flatMap { $0.postgresText } }
}
extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// Array literal `{a,b,…}` with every element quoted so text containing commas or braces survives. Quotes and
    /// backslashes are escaped byte by byte: a combining character after a quote must not hide it.
    public var postgresText: String? {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, element) in enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            guard let text = element.postgresText else { out.append(contentsOf: "NULL".utf8); continue }
            out.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// Raw bytes sent as `bytea`.
public struct PostgresBytes: PostgresEncodable {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresText: String? { PostgresBytea.encodeHex(bytes) }
}
