/// An array parameter in binary, in the form the server stores it (`array_send`): a column of a batch of thousands
/// of rows costs no text formatting here and no parsing there. The statement must cast the parameter to exactly
/// its type (`$2::integer[]`), as the server does not convert.
public struct PostgresBinaryArray: PostgresEncodable {
    public let postgresBinary: [UInt8]?
    public var postgresText: String? { nil }

    public static func bool(_ values: [Bool]) -> Self { Self { Elements.bool(values, into: &$0) } }
    public static func int4(_ values: [Int32]) -> Self { Self { Elements.int4(values, into: &$0) } }
    public static func int8(_ values: [Int64]) -> Self { Self { Elements.int8(values, into: &$0) } }
    public static func float4(_ values: [Float]) -> Self { Self { Elements.float4(values, into: &$0) } }
    public static func float8(_ values: [Double]) -> Self { Self { Elements.float8(values, into: &$0) } }
    public static func text(_ values: [String]) -> Self { Self { Elements.text(values.lazy.map(Optional.some), into: &$0) } }

    /// Text as UTF-8 (the server checks the encoding and refuses a NUL); nil elements are SQL NULLs.
    public static func text(_ values: [String?]) -> Self { Self { Elements.text(values, into: &$0) } }

    /// Composite values (a type made by `CREATE TYPE … AS (…)`) as an array of that type, each written field by
    /// field in declaration order: a batch of rows whose fields are lists arrives as those rows, with nothing for the
    /// statement to regroup. `type` is the composite's oid (`'name'::regtype::oid`); the server checks each field's
    /// type against the declared ones.
    public static func records<Element>(ofType type: UInt32, _ elements: [Element], write: (Element, inout RecordWriter) -> Void) -> Self {
        Self { writer in
            Elements.header(elementType: type, count: elements.count, hasNulls: false, into: &writer)
            var record = RecordWriter()
            swap(&record.writer, &writer)
            for element in elements {
                // Each element is its length then its bytes, and a record's bytes start with its field count: both
                // are known once the record is written.
                let length = record.writer.placeholder()
                let fields = record.writer.placeholder()
                record.fieldCount = 0
                write(element, &record)
                record.writer.patch(fields, with: UInt32(record.fieldCount))
                record.writer.patchLength(at: length)
            }
            swap(&record.writer, &writer)
        }
    }

    /// Writes one composite value's fields (`record_send`'s form: each field's type, length and bytes).
    public struct RecordWriter {
        fileprivate var writer = Writer()
        fileprivate var fieldCount = 0

        public mutating func int4(_ value: Int32) { field(type: 23) { $0.append(UInt32(bitPattern: value)) } }
        public mutating func text(_ value: String) { field(type: 25) { $0.appendUTF8(value) } }
        public mutating func int4Array(_ values: [Int32]) { field(type: 1007) { Elements.int4(values, into: &$0) } }
        public mutating func float8Array(_ values: [Double]) { field(type: 1022) { Elements.float8(values, into: &$0) } }
        public mutating func textArray(_ values: [String]) { field(type: 1009) { Elements.text(values.lazy.map(Optional.some), into: &$0) } }

        private mutating func field(type: UInt32, _ value: (inout Writer) -> Void) {
            writer.append(type)
            let length = writer.placeholder()
            value(&writer)
            writer.patchLength(at: length)
            fieldCount += 1
        }
    }

    private init(_ write: (inout Writer) -> Void) {
        var writer = Writer()
        write(&writer)
        postgresBinary = writer.bytes
    }

    /// Each element type's array: the header (dimensions, a has-nulls flag, the element type, each dimension's
    /// length and lower bound; an empty array has no dimensions), then every element as a length and its bytes.
    private enum Elements {
        static func bool(_ values: [Bool], into writer: inout Writer) {
            fixedWidth(values, elementType: 16, width: 1, into: &writer) { $1.bytes.append($0 ? 1 : 0) }
        }

        static func int4(_ values: [Int32], into writer: inout Writer) {
            fixedWidth(values, elementType: 23, width: 4, into: &writer) { $1.append(UInt32(bitPattern: $0)) }
        }

        static func int8(_ values: [Int64], into writer: inout Writer) {
            fixedWidth(values, elementType: 20, width: 8, into: &writer) { $1.append64(UInt64(bitPattern: $0)) }
        }

        static func float4(_ values: [Float], into writer: inout Writer) {
            fixedWidth(values, elementType: 700, width: 4, into: &writer) { $1.append($0.bitPattern) }
        }

        static func float8(_ values: [Double], into writer: inout Writer) {
            fixedWidth(values, elementType: 701, width: 8, into: &writer) { $1.append64($0.bitPattern) }
        }

        static func text(_ values: some Collection<String?>, into writer: inout Writer) {
            writer.reserve(20 + values.reduce(0) { $0 + 4 + ($1?.utf8.count ?? 0) })
            header(elementType: 25, count: values.count, hasNulls: values.contains(nil), into: &writer)
            for value in values {
                guard let value else { writer.append(UInt32(bitPattern: -1)); continue }
                writer.append(UInt32(value.utf8.count))
                writer.appendUTF8(value)
            }
        }

        static func header(elementType: UInt32, count: Int, hasNulls: Bool, into writer: inout Writer) {
            let dimensions = count == 0 ? 0 : 1
            writer.append(UInt32(dimensions))
            writer.append(hasNulls ? 1 : 0)
            writer.append(elementType)
            if dimensions == 1 {
                writer.append(UInt32(count))
                writer.append(1)
            }
        }

        private static func fixedWidth<Value>(_ values: [Value], elementType: UInt32, width: UInt32, into writer: inout Writer,
                                              _ bits: (Value, inout Writer) -> Void) {
            writer.reserve(20 + values.count * (4 + Int(width)))
            header(elementType: elementType, count: values.count, hasNulls: false, into: &writer)
            for value in values {
                writer.append(width)
                bits(value, &writer)
            }
        }
    }

    /// Big-endian integers, as the wire format has them.
    fileprivate struct Writer {
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

        /// Room for `count` more bytes. Growing by at least double: the records write thousands of small arrays into
        /// one buffer, and reserving exactly what each needs reallocated (and copied) the whole buffer for each.
        mutating func reserve(_ count: Int) {
            let needed = bytes.count + count
            if needed > bytes.capacity { bytes.reserveCapacity(Swift.max(needed, 2 * bytes.capacity)) }
        }

        mutating func appendUTF8(_ text: String) {
            var text = text
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }

        /// Four bytes for a length that is known only once what it measures is written: where they are, for
        /// `patch` or `patchLength`.
        mutating func placeholder() -> Int {
            bytes.append(contentsOf: [0, 0, 0, 0])
            return bytes.count - 4
        }

        mutating func patch(_ position: Int, with value: UInt32) {
            for shift in 0..<4 { bytes[position + shift] = UInt8(truncatingIfNeeded: value >> (24 - 8 * shift)) }
        }

        /// Fills the placeholder at `position` with the number of bytes written after it.
        mutating func patchLength(at position: Int) {
            patch(position, with: UInt32(bytes.count - position - 4))
        }
    }
}
