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
        var writer = Writer()
        writeInt4(values, into: &writer)
        return Self(bytes: writer.bytes)
    }

    private static func writeInt4(_ values: [Int32], into writer: inout Writer) {
        write(into: &writer, elementType: 23, count: values.count, hasNulls: false) { array in
            array.bytes.reserveCapacity(array.bytes.count + values.count * 8)
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
        var writer = Writer()
        writeFloat8(values, into: &writer)
        return Self(bytes: writer.bytes)
    }

    private static func writeFloat8(_ values: [Double], into writer: inout Writer) {
        write(into: &writer, elementType: 701, count: values.count, hasNulls: false) { array in
            array.bytes.reserveCapacity(array.bytes.count + values.count * 12)
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
        var writer = Writer()
        writeText(values, into: &writer)
        return Self(bytes: writer.bytes)
    }

    private static func writeText(_ values: some Collection<String?>, into writer: inout Writer) {
        let payload = values.reduce(0) { $0 + 4 + ($1?.utf8.count ?? 0) }
        writer.bytes.reserveCapacity(writer.bytes.count + 20 + payload)
        write(into: &writer, elementType: 25, count: values.count, hasNulls: values.contains(nil)) { array in
            for value in values {
                guard var value else { array.append(UInt32(bitPattern: -1)); continue }
                value.withUTF8 { utf8 in
                    array.append(UInt32(utf8.count))
                    array.bytes.append(contentsOf: utf8)
                }
            }
        }
    }

    /// Composite values (a type made by `CREATE TYPE … AS (…)`) as an array of that type, each written field by
    /// field in declaration order: a batch of rows whose fields are lists arrives as those rows, with nothing for the
    /// statement to regroup. `type` is the composite's oid (`'name'::regtype::oid`); the server checks each field's
    /// type against the declared ones.
    public static func records<Element>(ofType type: UInt32, _ elements: [Element], write: (Element, inout RecordWriter) -> Void) -> Self {
        var writer = Writer()
        Self.write(into: &writer, elementType: type, count: elements.count, hasNulls: false) { writer in
            var record = RecordWriter(writer: writer)
            // Each element is its length then its bytes; the length is known once the record is written.
            for element in elements {
                let length = record.writer.placeholder()
                let fields = record.writer.placeholder()
                record.fieldCount = 0
                write(element, &record)
                record.writer.patch(fields, with: UInt32(record.fieldCount))
                record.writer.patch(length, with: UInt32(record.writer.bytes.count - length - 4))
            }
            writer = record.writer
        }
        return Self(bytes: writer.bytes)
    }

    /// Writes one composite value's fields (`record_send`'s form: each field's type, length and bytes).
    public struct RecordWriter {
        fileprivate var writer: Writer
        fileprivate var fieldCount = 0

        public mutating func int4(_ value: Int32) {
            field(type: 23) { $0.append(UInt32(bitPattern: value)) }
        }

        public mutating func text(_ value: String) {
            field(type: 25) { writer in
                var value = value
                value.withUTF8 { writer.bytes.append(contentsOf: $0) }
            }
        }

        public mutating func int4Array(_ values: [Int32]) {
            field(type: 1007) { PostgresBinaryArray.writeInt4(values, into: &$0) }
        }

        public mutating func float8Array(_ values: [Double]) {
            field(type: 1022) { PostgresBinaryArray.writeFloat8(values, into: &$0) }
        }

        public mutating func textArray(_ values: [String]) {
            field(type: 1009) { PostgresBinaryArray.writeText(values.lazy.map(Optional.some), into: &$0) }
        }

        private mutating func field(type: UInt32, _ value: (inout Writer) -> Void) {
            writer.append(type)
            let length = writer.placeholder()
            value(&writer)
            writer.patch(length, with: UInt32(writer.bytes.count - length - 4))
            fieldCount += 1
        }
    }

    private init(bytes: [UInt8]) { postgresBinary = bytes }

    private init(elementType: UInt32, count: Int, payload: Int, hasNulls: Bool = false, elements: (inout Writer) -> Void) {
        var writer = Writer()
        writer.bytes.reserveCapacity(20 + payload)
        Self.write(into: &writer, elementType: elementType, count: count, hasNulls: hasNulls, elements: elements)
        postgresBinary = writer.bytes
    }

    /// The wire form: dimensions, a has-nulls flag, the element type, each dimension's length and lower bound (an
    /// empty array has no dimensions), then every element as a length and its bytes.
    private static func write(into writer: inout Writer, elementType: UInt32, count: Int, hasNulls: Bool, elements: (inout Writer) -> Void) {
        let dimensions = count == 0 ? 0 : 1
        writer.append(UInt32(dimensions))
        writer.append(hasNulls ? 1 : 0)
        writer.append(elementType)
        if dimensions == 1 {
            writer.append(UInt32(count))
            writer.append(1)
        }
        elements(&writer)
    }

    /// Big-endian integers, as the wire format has them.
    fileprivate struct Writer {
        var bytes: [UInt8] = []

        /// Four bytes for a length written once what it measures is: where they are, for `patch`.
        mutating func placeholder() -> Int {
            bytes.append(contentsOf: [0, 0, 0, 0])
            return bytes.count - 4
        }

        mutating func patch(_ position: Int, with value: UInt32) {
            for shift in 0..<4 { bytes[position + shift] = UInt8(truncatingIfNeeded: value >> (24 - 8 * shift)) }
        }

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
