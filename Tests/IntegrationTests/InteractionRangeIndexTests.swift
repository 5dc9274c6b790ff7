import PostgresClient
import TestSupport
import XCTest

/// The interactions' BRIN range index asks nothing of autovacuum as ranges fill (migration 023): under a steady
/// stream its requests overflowed autovacuum's list and each refused one wrote the ingest statement to the server
/// log. The stream models' catch-up and the table's vacuums summarise the ranges instead.
final class InteractionRangeIndexTests: XCTestCase {
    func testTheRangeIndexDoesNotAskAutovacuumToSummarise() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let options = try connection.query("""
            SELECT coalesce(array_to_string(reloptions, ','), '') AS options FROM pg_class WHERE relname = 'interactions_ingest_xid_range'
            """)
        XCTAssertEqual(options.count, 1)
        let autosummarize = options[0]["options"]?.split(separator: ",").first { $0.hasPrefix("autosummarize=") }
        XCTAssertEqual(autosummarize, "autosummarize=off")
    }
}
