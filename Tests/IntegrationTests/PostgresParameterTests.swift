import Foundation
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
        let counts: [Int64] = [0, -1, .max, .min]
        let flags = [true, false, false, true]
        let labels: [String?] = [#"quote " backslash \ comma , braces {}"#, nil, "NULL", "évènement 🎬"]
        let small: [Float] = [0.1, -0.0, .greatestFiniteMagnitude, .infinity]
        let large: [Double] = [1_700_000_000.123456, .pi, -1e300, 5e-324]

        let rows = try connection.query("""
            SELECT $1::text AS prefix, a.id, a.count, a.flag, a.label, a.small::text AS small, a.large::text AS large
            FROM unnest($2::integer[], $3::bigint[], $4::boolean[], $5::text[], $6::real[], $7::double precision[])
                 WITH ORDINALITY AS a(id, count, flag, label, small, large, ordinality)
            ORDER BY a.ordinality
            """, ["a text parameter", PostgresBinaryArray.int4(ids), PostgresBinaryArray.int8(counts), PostgresBinaryArray.bool(flags),
                  PostgresBinaryArray.text(labels), PostgresBinaryArray.float4(small), PostgresBinaryArray.float8(large)])

        XCTAssertEqual(rows.map { $0["prefix"] }, Array(repeating: "a text parameter", count: ids.count))
        XCTAssertEqual(try rows.map { Int32(try $0.int("id")) }, ids)
        XCTAssertEqual(rows.map { $0["count"].flatMap(Int64.init) }, counts)
        XCTAssertEqual(try rows.map { try $0.bool("flag") }, flags)
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

    func testCompositeRecordsArriveAsTheirRowsWithTheirArrays() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TYPE entry AS (id integer, label text, ids integer[], weights double precision[], notes text[])")
        let type = UInt32(try connection.query("SELECT 'entry'::regtype::oid AS oid")[0].int("oid"))
        let entries: [(id: Int32, label: String, ids: [Int32], weights: [Double], notes: [String])] = [
            (7, "évènement 🎬", [3, -1, .max], [0.5, -1e300, .pi], [#"quote " , {}"#, "", "NULL"]),
            (-2, "", [], [], []),
            (.max, "last", [42], [5e-324], ["one"]),
        ]
        let rows = try connection.query("""
            SELECT e.id, e.label, e.ids::text AS ids, array_to_json(e.weights)::text AS weights, array_to_json(e.notes)::text AS notes,
                   cardinality(e.ids) AS n
            FROM unnest($1::entry[]) WITH ORDINALITY AS e(id, label, ids, weights, notes, ordinality)
            ORDER BY e.ordinality
            """, [PostgresBinaryArray.records(ofType: type, entries) { entry, record in
                record.int4(entry.id)
                record.text(entry.label)
                record.int4Array(entry.ids)
                record.float8Array(entry.weights)
                record.textArray(entry.notes)
            }])
        XCTAssertEqual(try rows.map { Int32(try $0.int("id")) }, entries.map(\.id))
        XCTAssertEqual(rows.map { $0["label"] }, entries.map(\.label))
        XCTAssertEqual(rows.map { $0["ids"] }, ["{3,-1,2147483647}", "{}", "{42}"])
        XCTAssertEqual(try rows.map { try $0.int("n") }, [3, 0, 1])
        let weights = try rows.map { try JSONDecoder().decode([Double].self, from: Data(try $0.string("weights").utf8)) }
        XCTAssertEqual(weights, entries.map(\.weights))
        let notes = try rows.map { try JSONDecoder().decode([String].self, from: Data(try $0.string("notes").utf8)) }
        XCTAssertEqual(notes, entries.map(\.notes))
    }

    func testARecordOfAnotherShapeIsRefused() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TYPE entry AS (id integer, label text)")
        let type = UInt32(try connection.query("SELECT 'entry'::regtype::oid AS oid")[0].int("oid"))
        let swapped = PostgresBinaryArray.records(ofType: type, [1]) { id, record in
            record.text("label first")
            record.int4(Int32(id))
        }
        XCTAssertThrowsError(try connection.query("SELECT count(*) AS n FROM unnest($1::entry[])", [swapped])) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42804", "a datatype mismatch: \(error)")
        }
        XCTAssertEqual(try connection.query("SELECT 1 AS one")[0].int("one"), 1, "the connection is still usable")
    }
}
