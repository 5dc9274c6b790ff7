/// One row of PostgreSQL's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`), written field by field in
/// the table's column order. Nothing is formatted as text here and nothing is parsed by the server, which is
/// what the stream worker's per-event staging costs most of.
///
/// Each method writes one field; the column's type must match exactly (`int4`, `int8`, `float4`, `float8`, `bool`,
/// `text` and one-dimensional arrays of `bool`, `int4`, `int8`, `float4`, `float8` and `text`), as binary COPY does not
/// convert.
public struct PostgresBinaryCopyRow {
    var bytes: [UInt8]
    private var fieldCountAt = 0
    private var fields: Int16 = 0

    /// The format's signature, flags and (empty) header extension.
    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// A field count of -1 ends the data.
    static let trailer: [UInt8] = [0xFF, 0xFF]

    init(reservingCapacity capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(contentsOf: Self.header)
    }

    /// One field's bytes without its length: the binary form of a query parameter (`PostgresBinaryParameter`).
    static func fieldValue(_ write: (inout Self) -> Void) -> [UInt8] {
        var row = Self(reservingCapacity: 0)
        row.bytes = []
        write(&row)
        return Array(row.bytes.dropFirst(4))
    }

    mutating func begin() {
        fieldCountAt = bytes.count
        fields = 0
        bytes.append(contentsOf: [0, 0])
    }

    mutating func end() {
        let count = UInt16(bitPattern: fields)
        bytes[fieldCountAt] = UInt8(count >> 8)
        bytes[fieldCountAt + 1] = UInt8(count & 0xFF)
    }

    public mutating func int4(_ value: Int32) {
        field(length: 4)
        append(UInt32(bitPattern: value))
    }

    public mutating func int8(_ value: Int64) {
        field(length: 8)
        append(UInt32(truncatingIfNeeded: value >> 32))
        append(UInt32(truncatingIfNeeded: value))
    }

    public mutating func float4(_ value: Float) {
        field(length: 4)
        append(value.bitPattern)
    }

    public mutating func float8(_ value: Double) {
        field(length: 8)
        let bits = value.bitPattern
        append(UInt32(truncatingIfNeeded: bits >> 32))
        append(UInt32(truncatingIfNeeded: bits))
    }

    public mutating func bool(_ value: Bool) {
        field(length: 1)
        bytes.append(value ? 1 : 0)
    }

    /// Text as UTF-8; the server checks the encoding and refuses a NUL, as it would in any other format.
    public mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            field(length: Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func int4Array(_ values: [Int32]) {
        array(elementType: Self.int4OID, count: values.count, payload: values.count * 8) { row in
            for value in values {
                row.append(4)
                row.append(UInt32(bitPattern: value))
            }
        }
    }

    public mutating func float4Array(_ values: [Float]) {
        array(elementType: Self.float4OID, count: values.count, payload: values.count * 8) { row in
            for value in values {
                row.append(4)
                row.append(value.bitPattern)
            }
        }
    }

    public mutating func float8Array(_ values: [Double]) {
        array(elementType: Self.float8OID, count: values.count, payload: values.count * 12) { row in
            for value in values {
                row.append(8)
                row.append(UInt32(truncatingIfNeeded: value.bitPattern >> 32))
                row.append(UInt32(truncatingIfNeeded: value.bitPattern))
            }
        }
    }

    public mutating func int8Array(_ values: [Int64]) {
        array(elementType: Self.int8OID, count: values.count, payload: values.count * 12) { row in
            for value in values {
                row.append(8)
                row.append(UInt32(truncatingIfNeeded: value >> 32))
                row.append(UInt32(truncatingIfNeeded: value))
            }
        }
    }

    public mutating func boolArray(_ values: [Bool]) {
        array(elementType: Self.boolOID, count: values.count, payload: values.count * 5) { row in
            for value in values {
                row.append(1)
                row.bytes.append(value ? 1 : 0)
            }
        }
    }

    public mutating func textArray(_ values: [String]) {
        textArray(values.map(Optional.some))
    }

    /// nil elements are SQL NULLs.
    public mutating func textArray(_ values: [String?]) {
        let payload = values.reduce(0) { $0 + 4 + ($1?.utf8.count ?? 0) }
        array(elementType: Self.textOID, count: values.count, payload: payload, hasNulls: values.contains(nil)) { row in
            for value in values {
                guard var value else { row.append(UInt32(bitPattern: -1)); continue }
                value.withUTF8 { utf8 in
                    row.append(UInt32(utf8.count))
                    row.bytes.append(contentsOf: utf8)
                }
            }
        }
    }

    public mutating func null() {
        fields += 1
        append(UInt32(bitPattern: -1))
    }

    private static let boolOID: UInt32 = 16
    private static let int8OID: UInt32 = 20
    private static let int4OID: UInt32 = 23
    private static let float4OID: UInt32 = 700
    private static let float8OID: UInt32 = 701
    private static let textOID: UInt32 = 25

    /// An array's wire form: dimensions, a has-nulls flag, the element type, each dimension's length and lower bound
    /// (an empty array has no dimensions), then every element as a length and its bytes.
    private mutating func array(elementType: UInt32, count: Int, payload: Int, hasNulls: Bool = false, elements: (inout Self) -> Void) {
        let dimensions = count == 0 ? 0 : 1
        field(length: Int32(12 + dimensions * 8 + payload))
        append(UInt32(dimensions))
        append(hasNulls ? 1 : 0)
        append(elementType)
        if dimensions == 1 {
            append(UInt32(count))
            append(1)
        }
        elements(&self)
    }

    private mutating func field(length: Int32) {
        fields += 1
        append(UInt32(bitPattern: length))
    }

    private mutating func append(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
}
