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

/// An array parameter in binary, as the server stores it: a column of a batch of thousands of rows costs no text
/// formatting here and no parsing there. The statement must cast it to exactly its type (`$2::integer[]`).
public struct PostgresBinaryArray: PostgresEncodable {
    public let postgresBinary: [UInt8]?
    public var postgresText: String? { nil }

    private init(_ write: (inout PostgresBinaryCopyRow) -> Void) { postgresBinary = PostgresBinaryCopyRow.fieldValue(write) }

    public static func int4(_ values: [Int32]) -> Self { Self { $0.int4Array(values) } }
    public static func float4(_ values: [Float]) -> Self { Self { $0.float4Array(values) } }
    public static func float8(_ values: [Double]) -> Self { Self { $0.float8Array(values) } }
    public static func int8(_ values: [Int64]) -> Self { Self { $0.int8Array(values) } }
    public static func bool(_ values: [Bool]) -> Self { Self { $0.boolArray(values) } }
    public static func text(_ values: [String]) -> Self { Self { $0.textArray(values) } }
    /// nil elements are SQL NULLs.
    public static func text(_ values: [String?]) -> Self { Self { $0.textArray(values) } }
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
