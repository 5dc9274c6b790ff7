import Foundation
import PostgresClient
import TestSupport
import XCTest

/// `copyOutBinary` hands back exactly what the server stored: every fixed-width type, NULLs, negatives and
/// extremes, across chunk boundaries; refuses a column read as the wrong width; and leaves the connection
/// usable when the caller stops part-way.
final class PostgresBinaryCopyTests: XCTestCase {
    private static let types: [PostgresBinaryType] = [.int2, .int4, .int8, .float4, .float8, .bool, .timestamptz]

    private func makeTable(_ connection: PostgresConnection) throws {
        try connection.execute("""
            CREATE TABLE sample (id integer PRIMARY KEY, a smallint, b integer, c bigint, d real, e double precision,
                                 f boolean, g timestamptz)
            """)
        try connection.executeScript("""
            INSERT INTO sample VALUES
              (1, 0, 0, 0, 0, 0, false, '2000-01-01 00:00:00+00'),
              (2, -32768, -2147483648, -9223372036854775808, -3.4028235e38, -1.7976931348623157e308, true, '1969-12-31 23:59:59.5+00'),
              (3, 32767, 2147483647, 9223372036854775807, 3.4028235e38, 1.7976931348623157e308, true, '2038-01-19 03:14:07.499999+00'),
              (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              (5, -1, -42, -5000000000, -0.1, -0.1, false, '1970-01-01 00:00:00.5+00'),
              (6, 7, 123456, 9007199254740993, 'NaN', 'Infinity', true, 'infinity'),
              (7, NULL, 5, NULL, 1e-45, '-Infinity', NULL, '-infinity'),
              (8, 3, NULL, 8, '-0', 5e-324, false, '1969-12-31 23:59:58.5+00'),
              (9, 1, 2, 3, 4.5, 0.3, true, '2026-12-01 21:17:15.123456+00');
            """)
    }

    func testEveryTypeNullsAndExtremesRoundTripAcrossChunks() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        try makeTable(connection)
        // The text protocol is the reference: parse its answer for every row and compare with the binary one.
        let reference = try connection.query("""
            SELECT a, b, c, d::text AS d, e::text AS e, f,
                   CASE WHEN isfinite(g) THEN (extract(epoch FROM g) * 1000000)::bigint - 946684800000000 END AS g_micros,
                   CASE WHEN isfinite(g) THEN extract(epoch FROM g)::bigint END AS g_seconds, g::text AS g_text
            FROM sample ORDER BY id
            """)
        for chunkRows in [1, 2, 4, 100] {
            var seen = 0
            var chunks = 0
            try connection.copyOutBinary("SELECT a, b, c, d, e, f, g FROM sample ORDER BY id", types: Self.types,
                                         chunkRows: chunkRows) { chunk in
                chunks += 1
                XCTAssertLessThanOrEqual(chunk.rowCount, chunkRows)
                for row in 0..<chunk.rowCount {
                    let expected = reference[seen + row]
                    func check(_ column: Int, _ text: String?, _ equal: (String) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
                        XCTAssertEqual(chunk.isNull(row: row, column: column), text == nil, "row \(seen + row) column \(column)", file: file, line: line)
                        if let text { XCTAssertTrue(equal(text), "row \(seen + row) column \(column): \(text)", file: file, line: line) }
                    }
                    check(0, expected["a"]) { $0 == String(chunk.int16s(0)[row]) }
                    check(1, expected["b"]) { $0 == String(chunk.int32s(1)[row]) }
                    check(2, expected["c"]) { $0 == String(chunk.int64s(2)[row]) }
                    // real and double precision: bit for bit the value their text form parses back to.
                    check(3, expected["d"]) { text in
                        let value = chunk.floats(3)[row]
                        return Float(text).map { $0.bitPattern == value.bitPattern || ($0.isNaN && value.isNaN) } ?? false
                    }
                    check(4, expected["e"]) { text in
                        let value = chunk.doubles(4)[row]
                        return Double(text).map { $0.bitPattern == value.bitPattern || ($0.isNaN && value.isNaN) } ?? false
                    }
                    check(5, expected["f"]) { $0 == (chunk.bools(5)[row] ? "t" : "f") }
                    if let text = expected["g_text"] {
                        XCTAssertFalse(chunk.isNull(row: row, column: 6))
                        let micros = chunk.int64s(6)[row]
                        if let exact = expected["g_micros"] {
                            XCTAssertEqual(String(micros), exact, "row \(seen + row) timestamp \(text)")
                            XCTAssertEqual(PostgresBinaryChunk.unixSeconds(microsecondsSince2000: micros).map(String.init),
                                           expected["g_seconds"], "rounded like extract(epoch …)::bigint: \(text)")
                        } else {
                            XCTAssertNil(PostgresBinaryChunk.unixSeconds(microsecondsSince2000: micros), "\(text) has no epoch seconds")
                        }
                    } else {
                        XCTAssertTrue(chunk.isNull(row: row, column: 6))
                    }
                }
                seen += chunk.rowCount
            }
            XCTAssertEqual(seen, reference.count, "chunk size \(chunkRows)")
            XCTAssertEqual(chunks, (reference.count + chunkRows - 1) / chunkRows)
        }
    }

    func testEmptyResultCallsNothingAndWrongWidthIsRefused() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        try makeTable(connection)
        var calls = 0
        try connection.copyOutBinary("SELECT b FROM sample WHERE false", types: [.int4]) { _ in calls += 1 }
        XCTAssertEqual(calls, 0)
        XCTAssertThrowsError(try connection.copyOutBinary("SELECT c FROM sample", types: [.int4]) { _ in }) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .protocolViolation, "\(error)")
        }
        XCTAssertThrowsError(try connection.copyOutBinary("SELECT b, c FROM sample", types: [.int4]) { _ in })
        XCTAssertThrowsError(try connection.copyOutBinary("SELECT b FROM no_such_table", types: [.int4]) { _ in }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42P01")
        }
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM sample")[0].int("n"), 9, "the connection is still usable")
    }

    /// bytea arrives as its bytes, whatever its length (empty, inline, TOASTed, longer than one COPY message),
    /// NULL as an empty array with the NULL mask set, beside fixed-width columns and across chunk boundaries.
    func testByteaColumnsRoundTripAcrossChunks() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TABLE blobs (id integer PRIMARY KEY, data bytea)")
        let lengths = [0, 1, 3, 255, 4_096, 300_000, 17, 0, 2]
        var expected = [Int: [UInt8]?]()
        for (id, length) in lengths.enumerated() {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ id) }
            expected[id] = bytes
            try connection.execute("INSERT INTO blobs VALUES ($1, decode($2, 'hex'))",
                                   [id, String(PostgresBytea.encodeHex(bytes).dropFirst(2))])
        }
        try connection.execute("INSERT INTO blobs VALUES (100, NULL)")
        expected[100] = .some(nil)
        for chunkRows in [1, 4, 100] {
            var seen = [Int: [UInt8]?]()
            try connection.copyOutBinary("SELECT id, data FROM blobs ORDER BY id", types: [.int4, .bytea], chunkRows: chunkRows) { chunk in
                let ids = chunk.int32s(0), data = chunk.byteArrays(1)
                for row in 0..<chunk.rowCount {
                    seen[Int(ids[row])] = chunk.isNull(row: row, column: 1) ? .some(nil) : data[row]
                }
            }
            XCTAssertEqual(seen.count, expected.count, "chunk size \(chunkRows)")
            for (id, bytes) in expected { XCTAssertEqual(seen[id] ?? [], bytes, "row \(id), chunk size \(chunkRows)") }
        }
    }

    func testStoppingPartWayCancelsAndKeepsTheConnection() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        struct Enough: Error {}
        var total = 0
        XCTAssertThrowsError(try connection.copyOutBinary("SELECT n, n::bigint * 2 FROM generate_series(1, 5000000) AS n",
                                                          types: [.int4, .int8], chunkRows: 1_000) { chunk in
            XCTAssertEqual(chunk.int64s(1)[0], Int64(chunk.int32s(0)[0]) * 2)
            total += chunk.rowCount
            if total >= 3_000 { throw Enough() }
        }) { error in XCTAssertTrue(error is Enough, "the caller's own error comes back: \(error)") }
        XCTAssertEqual(total, 3_000)
        XCTAssertEqual(try connection.query("SELECT 1 AS n")[0].int("n"), 1)
        // Inside a transaction: the transaction rolls back, the connection stays usable.
        try connection.execute("CREATE TABLE kept (n integer)")
        XCTAssertThrowsError(try connection.transaction { tx in
            try tx.execute("INSERT INTO kept VALUES (1)")
            try tx.copyOutBinary("SELECT n FROM generate_series(1, 5000000) AS n", types: [.int4], chunkRows: 500) { _ in throw Enough() }
        })
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM kept")[0].int("n"), 0)
        // And a whole read afterwards is complete and in order.
        var sum: Int64 = 0, rows = 0
        try connection.copyOutBinary("SELECT n FROM generate_series(1, 200000) AS n", types: [.int4]) { chunk in
            for value in chunk.int32s(0) { sum += Int64(value) }
            rows += chunk.rowCount
        }
        XCTAssertEqual(rows, 200_000)
        XCTAssertEqual(sum, 200_000 * 200_001 / 2)
    }
}
