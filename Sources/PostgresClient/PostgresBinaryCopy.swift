import CLibpq

/// A column type that `PostgresConnection.copyOutBinary` decodes from COPY's binary format: fixed-width scalars,
/// and `bytea`. The binary format carries no types: the caller names each column's, and a field whose width does
/// not match (an `int8` read as `.int4`) is refused rather than misread.
public enum PostgresBinaryType: Sendable, Hashable {
    case int2, int4, int8, float4, float8, bool
    /// `timestamptz` (or `timestamp`): microseconds since 2000-01-01 00:00:00 UTC, PostgreSQL's own epoch
    /// (`Int64.max` / `Int64.min` are `infinity` / `-infinity`). `PostgresBinaryChunk.unixSeconds` converts.
    case timestamptz
    /// `bytea`, any length: one byte array per row.
    case bytea

    /// Bytes per value; nil for variable-length types.
    var width: Int32? {
        switch self {
        case .bool: 1
        case .int2: 2
        case .int4, .float4: 4
        case .int8, .float8, .timestamptz: 8
        case .bytea: nil
        }
    }
}

/// One column of a chunk, decoded. A NULL field holds 0 (false) in its slot; `PostgresBinaryChunk.nulls` says which.
public enum PostgresBinaryValues: Sendable {
    case int16([Int16]), int32([Int32]), int64([Int64]), float32([Float]), float64([Double]), bool([Bool])
    case bytes([[UInt8]])
}

/// Up to `chunkRows` consecutive rows of a binary COPY, column by column (no per-row objects).
public struct PostgresBinaryChunk: Sendable {
    public let rowCount: Int
    public let columns: [PostgresBinaryValues]
    /// Per column: which rows are NULL, or nil when no row of this chunk is NULL in that column.
    public let nulls: [[Bool]?]

    public func int16s(_ column: Int) -> [Int16] {
        guard case .int16(let values) = columns[column] else { preconditionFailure("column \(column) is not int2") }
        return values
    }
    public func int32s(_ column: Int) -> [Int32] {
        guard case .int32(let values) = columns[column] else { preconditionFailure("column \(column) is not int4") }
        return values
    }
    /// `int8` and `timestamptz` columns.
    public func int64s(_ column: Int) -> [Int64] {
        guard case .int64(let values) = columns[column] else { preconditionFailure("column \(column) is not int8 or timestamptz") }
        return values
    }
    public func floats(_ column: Int) -> [Float] {
        guard case .float32(let values) = columns[column] else { preconditionFailure("column \(column) is not float4") }
        return values
    }
    public func doubles(_ column: Int) -> [Double] {
        guard case .float64(let values) = columns[column] else { preconditionFailure("column \(column) is not float8") }
        return values
    }
    public func byteArrays(_ column: Int) -> [[UInt8]] {
        guard case .bytes(let values) = columns[column] else { preconditionFailure("column \(column) is not bytea") }
        return values
    }
    public func bools(_ column: Int) -> [Bool] {
        guard case .bool(let values) = columns[column] else { preconditionFailure("column \(column) is not bool") }
        return values
    }

    public func isNull(row: Int, column: Int) -> Bool { nulls[column]?[row] ?? false }
    public func hasNulls(_ column: Int) -> Bool { nulls[column] != nil }

    /// Seconds since the Unix epoch of a `.timestamptz` value, rounded half away from zero exactly as
    /// `extract(epoch FROM ts)::bigint` rounds; nil for ±infinity (which that cast refuses too).
    public static func unixSeconds(microsecondsSince2000 value: Int64) -> Int64? {
        guard value != .max, value != .min else { return nil }
        // Rounded on the Unix scale: half a second before 1970 rounds down, after it up.
        let (unixMicros, overflow) = value.addingReportingOverflow(946_684_800_000_000)
        guard !overflow else { return nil }
        let (seconds, micros) = unixMicros.quotientAndRemainder(dividingBy: 1_000_000)
        return micros >= 500_000 ? seconds + 1 : (micros <= -500_000 ? seconds - 1 : seconds)
    }
}

/// Decodes COPY's binary format (signature, flags, header extension; then per tuple a 16-bit field count and
/// per field a 32-bit length, −1 for NULL, and the big-endian value; a field count of −1 ends the data) into
/// column chunks. Data may arrive split anywhere: an incomplete tuple waits for the next piece.
struct BinaryCopyDecoder {
    let types: [PostgresBinaryType]
    let chunkRows: Int
    private var headerRead = false
    private(set) var finished = false
    private var carry: [UInt8] = []
    private var builders: [ColumnBuilder]
    private var rows = 0

    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]

    init(types: [PostgresBinaryType], chunkRows: Int) {
        self.types = types
        self.chunkRows = max(1, chunkRows)
        builders = types.map { ColumnBuilder(type: $0, capacity: max(1, chunkRows)) }
    }

    /// Feeds the next piece of COPY data; `emit` receives every chunk that fills up.
    mutating func feed(_ data: UnsafeRawBufferPointer, emit: (PostgresBinaryChunk) throws -> Void) throws {
        if carry.isEmpty {
            let used = try consume(data, emit: emit)
            if used < data.count { carry.append(contentsOf: data[used...]) }
        } else {
            carry.append(contentsOf: data)
            let pending = carry
            let used = try pending.withUnsafeBytes { try consume($0, emit: emit) }
            carry.removeFirst(used)
        }
    }

    /// Hands over the last, partly filled chunk; fails when the data stopped inside a tuple or before the trailer.
    mutating func finish(emit: (PostgresBinaryChunk) throws -> Void) throws {
        guard carry.isEmpty, finished else {
            throw PostgresError(kind: .protocolViolation, message: "binary COPY data ended inside a tuple or without its trailer")
        }
        if rows > 0 { try emit(takeChunk()) }
    }

    /// Decodes every complete tuple at the front of `data`; returns how many bytes it used.
    private mutating func consume(_ data: UnsafeRawBufferPointer, emit: (PostgresBinaryChunk) throws -> Void) throws -> Int {
        var offset = 0
        if !headerRead {
            guard data.count >= 19 else { return 0 }
            guard Array(data[0..<11]) == Self.signature else {
                throw PostgresError(kind: .protocolViolation, message: "binary COPY data does not start with PGCOPY's signature")
            }
            let flags = Self.int32(data, 11), extensionLength = Int(Self.int32(data, 15))
            // Bit 16 says OIDs are included; the other high bits are critical flags this decoder does not know.
            guard flags & Int32(bitPattern: 0xFFFF_0000) == 0, extensionLength >= 0 else {
                throw PostgresError(kind: .protocolViolation, message: "binary COPY header has flags \(flags) this client does not understand")
            }
            guard data.count >= 19 + extensionLength else { return 0 }
            offset = 19 + extensionLength
            headerRead = true
        }
        let fieldCount = types.count
        while !finished, data.count - offset >= 2 {
            let count = Int(Self.int16(data, offset))
            if count == -1 { finished = true; offset += 2; break }
            guard count == fieldCount else {
                throw PostgresError(kind: .protocolViolation, message: "binary COPY row has \(count) fields, expected \(fieldCount)")
            }
            // The whole tuple must be here before any of it is decoded.
            var end = offset + 2
            var complete = true
            for column in 0..<fieldCount {
                guard data.count - end >= 4 else { complete = false; break }
                let length = Self.int32(data, end)
                end += 4
                if length == -1 { continue }
                if let width = types[column].width, length != width {
                    throw PostgresError(kind: .protocolViolation,
                                        message: "binary COPY column \(column + 1) has \(length)-byte values, expected \(types[column]) (\(width) bytes)")
                }
                guard length >= 0 else {
                    throw PostgresError(kind: .protocolViolation, message: "binary COPY column \(column + 1) has a negative length \(length)")
                }
                end += Int(length)
            }
            guard complete, end <= data.count else { break }
            var field = offset + 2
            for column in 0..<fieldCount {
                let length = Self.int32(data, field)
                field += 4
                if length == -1 {
                    builders[column].appendNull(row: rows)
                } else {
                    builders[column].append(data, at: field, length: Int(length))
                    field += Int(length)
                }
            }
            rows += 1
            offset = end
            if rows == chunkRows { try emit(takeChunk()) }
        }
        if finished && offset < data.count {
            throw PostgresError(kind: .protocolViolation, message: "binary COPY data continues after its trailer")
        }
        return offset
    }

    private mutating func takeChunk() -> PostgresBinaryChunk {
        let chunk = PostgresBinaryChunk(rowCount: rows, columns: builders.map { $0.takeValues() },
                                        nulls: builders.map { $0.takeNulls(rows: rows) })
        rows = 0
        return chunk
    }

    static func int16(_ data: UnsafeRawBufferPointer, _ offset: Int) -> Int16 {
        Int16(bitPattern: data.loadUnaligned(fromByteOffset: offset, as: UInt16.self).bigEndian)
    }
    static func int32(_ data: UnsafeRawBufferPointer, _ offset: Int) -> Int32 {
        Int32(bitPattern: data.loadUnaligned(fromByteOffset: offset, as: UInt32.self).bigEndian)
    }
    static func int64(_ data: UnsafeRawBufferPointer, _ offset: Int) -> Int64 {
        Int64(bitPattern: data.loadUnaligned(fromByteOffset: offset, as: UInt64.self).bigEndian)
    }
}

/// One column's values while a chunk fills (a class, so appends happen in place).
private final class ColumnBuilder {
    let type: PostgresBinaryType
    let capacity: Int
    var int16s: [Int16] = [], int32s: [Int32] = [], int64s: [Int64] = [], floats: [Float] = [], doubles: [Double] = []
    var bools: [Bool] = []
    var byteArrays: [[UInt8]] = []
    var nulls: [Bool]?

    init(type: PostgresBinaryType, capacity: Int) {
        self.type = type
        self.capacity = capacity
        reserve()
    }

    private func reserve() {
        switch type {
        case .int2: int16s.reserveCapacity(capacity)
        case .int4: int32s.reserveCapacity(capacity)
        case .int8, .timestamptz: int64s.reserveCapacity(capacity)
        case .float4: floats.reserveCapacity(capacity)
        case .float8: doubles.reserveCapacity(capacity)
        case .bool: bools.reserveCapacity(capacity)
        case .bytea: byteArrays.reserveCapacity(capacity)
        }
    }

    func append(_ data: UnsafeRawBufferPointer, at offset: Int, length: Int) {
        switch type {
        case .int2: int16s.append(BinaryCopyDecoder.int16(data, offset))
        case .int4: int32s.append(BinaryCopyDecoder.int32(data, offset))
        case .int8, .timestamptz: int64s.append(BinaryCopyDecoder.int64(data, offset))
        case .float4: floats.append(Float(bitPattern: UInt32(bitPattern: BinaryCopyDecoder.int32(data, offset))))
        case .float8: doubles.append(Double(bitPattern: UInt64(bitPattern: BinaryCopyDecoder.int64(data, offset))))
        case .bool: bools.append(data[offset] != 0)
        case .bytea: byteArrays.append(Array(data[offset..<offset + length]))
        }
    }

    func appendNull(row: Int) {
        // Rows since the last NULL were not NULL.
        if nulls == nil { nulls = [] }
        if nulls!.count < row { nulls!.append(contentsOf: repeatElement(false, count: row - nulls!.count)) }
        nulls!.append(true)
        switch type {
        case .int2: int16s.append(0)
        case .int4: int32s.append(0)
        case .int8, .timestamptz: int64s.append(0)
        case .float4: floats.append(0)
        case .float8: doubles.append(0)
        case .bool: bools.append(false)
        case .bytea: byteArrays.append([])
        }
    }

    func takeValues() -> PostgresBinaryValues {
        defer { reserve() }
        switch type {
        case .int2: defer { int16s = [] }; return .int16(int16s)
        case .int4: defer { int32s = [] }; return .int32(int32s)
        case .int8, .timestamptz: defer { int64s = [] }; return .int64(int64s)
        case .float4: defer { floats = [] }; return .float32(floats)
        case .float8: defer { doubles = [] }; return .float64(doubles)
        case .bool: defer { bools = [] }; return .bool(bools)
        case .bytea: defer { byteArrays = [] }; return .bytes(byteArrays)
        }
    }

    /// Pads the NULL mask to the chunk's length (rows after the last NULL are not NULL) and resets it.
    func takeNulls(rows count: Int) -> [Bool]? {
        defer { nulls = nil }
        guard var mask = nulls else { return nil }
        if mask.count < count { mask.append(contentsOf: repeatElement(false, count: count - mask.count)) }
        return mask
    }
}
