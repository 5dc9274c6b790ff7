import Foundation
import PostgresClient
import TestSupport
import XCTest

/// `copyBinary` stores exactly what it was given: every field type it writes (arrays too, empty or not), NULLs,
/// extremes and text the text format would have to escape, across the chunks it sends; a row the server refuses
/// fails the COPY with the server's own error and leaves the connection usable.
final class PostgresBinaryCopyInTests: XCTestCase {
    private struct Sample {
        var id: Int32
        var label: String?
        var small: Float
        var large: Double
        var flag: Bool
    }

    private static func write(_ sample: Sample, _ row: inout PostgresBinaryCopyRow) {
        row.int4(sample.id)
        if let label = sample.label { row.text(label) } else { row.null() }
        row.float4(sample.small)
        row.float8(sample.large)
        row.bool(sample.flag)
    }

    func testEveryFieldTypeRoundTripsAcrossChunks() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TABLE sink (id integer, label text, small real, large double precision, flag boolean)")
        let edge = [
            Sample(id: Int32.min, label: "tab\there, newline\nthere, back\\slash, é, 🎬", small: -Float.greatestFiniteMagnitude,
                   large: -Double.greatestFiniteMagnitude, flag: true),
            Sample(id: Int32.max, label: nil, small: .leastNonzeroMagnitude, large: .leastNonzeroMagnitude, flag: false),
            Sample(id: 0, label: "", small: -0.0, large: .infinity, flag: true),
        ]
        // Enough rows for several 64 KiB chunks.
        let many = (1...20_000).map { (n: Int) -> Sample in
            let small = Float(n) / 7
            let large = Double(n) / 3
            return Sample(id: Int32(n), label: "event-\(n)", small: small, large: large, flag: n.isMultiple(of: 2))
        }
        try connection.copyBinary("COPY sink FROM STDIN (FORMAT binary)", rows: edge + many, write: Self.write)

        let stored = try connection.query("SELECT id, label, small::float8 AS small, large, flag FROM sink ORDER BY id")
        XCTAssertEqual(stored.count, edge.count + many.count)
        let byID = Dictionary(uniqueKeysWithValues: try stored.map { (try $0.int("id"), $0) })
        for sample in edge + many {
            let row = try XCTUnwrap(byID[Int(sample.id)], "row \(sample.id) missing")
            XCTAssertEqual(row["label"], sample.label, "label of \(sample.id)")
            XCTAssertEqual(try row.double("small"), Double(sample.small), "small of \(sample.id)")
            XCTAssertEqual(try row.double("large"), sample.large, "large of \(sample.id)")
            XCTAssertEqual(try row.bool("flag"), sample.flag, "flag of \(sample.id)")
        }
    }

    func testArraysRoundTripEmptyOrNot() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TABLE sink (id integer, ids integer[], scores double precision[], words text[])")
        let rows: [(id: Int32, ids: [Int32], scores: [Double], words: [String])] = [
            (1, [3, Int32.min, Int32.max], [0.5, -.infinity, .leastNonzeroMagnitude], ["a\tb", "", "é 🎬, {\"quoted\"}"]),
            (2, [], [], []),
            (3, [7], [-0.25], ["NULL"]),
        ]
        try connection.copyBinary("COPY sink FROM STDIN (FORMAT binary)", rows: rows) { entry, row in
            row.int4(entry.id)
            row.int4Array(entry.ids)
            row.float8Array(entry.scores)
            row.textArray(entry.words)
        }
        for sample in rows {
            let stored = try connection.query("""
                SELECT coalesce(array_ndims(ids), 0) AS dims, cardinality(ids) AS id_count, cardinality(scores) AS score_count,
                       cardinality(words) AS word_count
                FROM sink WHERE id = $1
                """, [Int(sample.id)])[0]
            XCTAssertEqual(try stored.int("dims"), sample.ids.isEmpty ? 0 : 1, "row \(sample.id)")
            XCTAssertEqual(try stored.int("id_count"), sample.ids.count, "row \(sample.id)")
            XCTAssertEqual(try stored.int("score_count"), sample.scores.count, "row \(sample.id)")
            XCTAssertEqual(try stored.int("word_count"), sample.words.count, "row \(sample.id)")
            for index in sample.ids.indices {
                let element = try connection.query("SELECT ids[$2] AS i, scores[$2] AS s, words[$2] AS w FROM sink WHERE id = $1",
                                                   [Int(sample.id), index + 1])[0]
                XCTAssertEqual(try element.int("i"), Int(sample.ids[index]), "id \(index + 1) of row \(sample.id)")
                XCTAssertEqual(try element.double("s"), sample.scores[index], "score \(index + 1) of row \(sample.id)")
                XCTAssertEqual(element["w"], sample.words[index], "word \(index + 1) of row \(sample.id)")
            }
        }
    }

    func testARowTheServerRefusesFailsTheCopyWithItsErrorAndTheConnectionGoesOn() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TABLE sink (id integer, label text, small real, large double precision, flag boolean CHECK (flag))")
        let rows = [Sample(id: 1, label: "fine", small: 1, large: 1, flag: true), Sample(id: 2, label: "refused", small: 2, large: 2, flag: false)]
        XCTAssertThrowsError(try connection.copyBinary("COPY sink FROM STDIN (FORMAT binary)", rows: rows, write: Self.write)) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.sqlState, "23514", "\(String(describing: error))")
            XCTAssertEqual(error?.isTransient, false)
        }
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM sink")[0].int("n"), 0)
    }
}
