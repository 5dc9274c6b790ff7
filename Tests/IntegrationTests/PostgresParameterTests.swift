import PostgresClient
import TestSupport
import XCTest

/// Array parameters sent in binary arrive as exactly the values given, beside text parameters in the same
/// statement; a type the statement does not expect is refused by the server, not misread; a text parameter holding a
/// NUL is refused, not cut at it.
final class PostgresParameterTests: XCTestCase {
    func testATextParameterWithANulIsRefusedNotCut() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        XCTAssertThrowsError(try connection.query("SELECT $1::text AS t", ["before\u{0}after"])) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "22021")
        }
        XCTAssertEqual(try connection.query("SELECT $1::text AS t", ["before after"])[0]["t"], "before after")
    }

    func testEveryArrayTypeRoundTripsBesideTextParameters() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        let ids: [Int32] = [1, -7, .max, .min]
        let labels = [#"quote " backslash \ comma , braces {}"#, "", "NULL", "évènement 🎬"]
        let small: [Float] = [0.1, -0.0, .greatestFiniteMagnitude, .infinity]
        let large: [Double] = [1_700_000_000.123456, .pi, -1e300, 5e-324]

        let rows = try connection.query("""
            SELECT $1::text AS prefix, a.id, a.label, a.small::text AS small, a.large::text AS large, a.ordinality
            FROM unnest($2::integer[], $3::text[], $4::real[], $5::double precision[]) WITH ORDINALITY AS a(id, label, small, large, ordinality)
            ORDER BY a.ordinality
            """, ["a text parameter", PostgresBinaryArray.int4(ids), PostgresBinaryArray.text(labels),
                  PostgresBinaryArray.float4(small), PostgresBinaryArray.float8(large)])

        XCTAssertEqual(rows.map { $0["prefix"] }, Array(repeating: "a text parameter", count: ids.count))
        XCTAssertEqual(try rows.map { Int32(try $0.int("id")) }, ids)
        XCTAssertEqual(rows.map { $0["label"] }, labels)
        XCTAssertEqual(rows.map { $0["small"].flatMap(Float.init) }, small)
        XCTAssertEqual(rows.map { $0["large"].flatMap(Double.init) }, large)
    }

    func testAnEmptyArrayIsEmpty() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        let rows = try connection.query("SELECT cardinality($1::integer[]) AS n", [PostgresBinaryArray.int4([])])
        XCTAssertEqual(try rows[0].int("n"), 0)
    }

    func testAnArrayOfAnotherTypeIsRefused() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        XCTAssertThrowsError(try connection.query("SELECT $1::integer[] AS a", [PostgresBinaryArray.float8([1.5])]))
        XCTAssertEqual(try connection.query("SELECT 1 AS one")[0].int("one"), 1, "the connection is still usable")
    }
}
