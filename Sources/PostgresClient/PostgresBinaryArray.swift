/// An array parameter in binary, in the form the server stores it (`array_send`): a column of a batch of thousands
/// of rows costs no text formatting here and no parsing there. The statement must cast the parameter to exactly
/// its type (`$2::integer[]`), as the server checks the element type and does not convert.
public struct PostgresBinaryArray: PostgresEncodable {
    public let postgresBinary: [UInt8]?
    public var postgresText: String? { nil }

    public static func bool(_ values: [Bool]) -> Self {
        Self(elementType: 16, count: values.count, payload: values.count * 5) { array in
            for value in values {
                array.append(1)
                array.bytes.append(value ? 1 : 0)
            }
        }
    }

    public static func int4(_ values: [Int32]) -> Self {
        Self(elementType: 23, count: values.count, payload: values.count * 8) { array in
            for value in values {
                array.append(4)
                array.append(UInt32(bitPattern: value))
            }
        }
    }

    public static func int8(_ values: [Int64]) -> Self {
        Self(elementType: 20, count: values.count, payload: values.count * 12) { array in
            for value in values {
                array.append(8)
                array.append64(UInt64(bitPattern: value))
            }
        }
    }

    public static func float4(_ values: [Float]) -> Self {
        Self(elementType: 700, count: values.count, payload: values.count * 8) { array in
            for value in values {
                array.append(4)
                array.append(value.bitPattern)
            }
        }
    }

    public static func float8(_ values: [Double]) -> Self {
        Self(elementType: 701, count: values.count, payload: values.count * 12) { array in
            for value in values {
                array.append(8)
                array.append64(value.bitPattern)
            }
        }
    }

    public static func text(_ values: [String]) -> Self { text(values.lazy.map(Optional.some)) }

    /// Text as UTF-8 (the server checks the encoding and refuses a NUL); nil elements are SQL NULLs.
    public static func text(_ values: [String?]) -> Self { text(values[...]) }

    private static func text(_ values: some Collection<String?>) -> Self {
        let payload = values.reduce(0) { $0 + 4 + ($1?.utf8.count ?? 0) }
        return Self(elementType: 25, count: values.count, payload: payload, hasNulls: values.contains(nil)) { array in
            for value in values {
                guard var value else { array.append(UInt32(bitPattern: -1)); continue }
                value.withUTF8 { utf8 in
                    array.append(UInt32(utf8.count))
                    array.bytes.append(contentsOf: utf8)
                }
            }
        }
    }

    /// The wire form: dimensions, a has-nulls flag, the element type, each dimension's length and lower bound (an
    /// empty array has no dimensions), then every element as a length and its bytes.
    private init(elementType: UInt32, count: Int, payload: Int, hasNulls: Bool = false, elements: (inout Writer) -> Void) {
        let dimensions = count == 0 ? 0 : 1
        var writer = Writer()
        writer.bytes.reserveCapacity(12 + dimensions * 8 + payload)
        writer.append(UInt32(dimensions))
        writer.append(hasNulls ? 1 : 0)
        writer.append(elementType)
        if dimensions == 1 {
            writer.append(UInt32(count))
            writer.append(1)
        }
        elements(&writer)
        postgresBinary = writer.bytes
    }

    /// Big-endian integers, as the wire format has them.
    private struct Writer {
        var bytes: [UInt8] = []

        mutating func append(_ value: UInt32) {
            bytes.append(UInt8(truncatingIfNeeded: value >> 24))
            bytes.append(UInt8(truncatingIfNeeded: value >> 16))
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
        }

        mutating func append64(_ value: UInt64) {
            append(UInt32(truncatingIfNeeded: value >> 32))
            append(UInt32(truncatingIfNeeded: value))
        }
    }
}
