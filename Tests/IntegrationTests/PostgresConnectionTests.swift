import Foundation
import PostgresClient
import Synchronization
import TestSupport
import XCTest

/// A shared connection keeps transactions whole, and a connection lost in the middle of a COPY is an outage
/// the worker waits out, not a fatal error.
final class PostgresConnectionTests: XCTestCase {
    func testAnotherThreadsStatementWaitsForTheOpenTransactionInsteadOfLandingInIt() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let shared = try database.connect()
        try shared.execute("CREATE TABLE notes (source text)")
        let insideTransaction = DispatchSemaphore(value: 0)
        let otherFinished = DispatchSemaphore(value: 0)
        let order = Mutex<[String]>([])

        let other = Thread {
            insideTransaction.wait()
            _ = try? shared.execute("INSERT INTO notes VALUES ('other')")
            order.withLock { $0.append("other statement") }
            otherFinished.signal()
        }
        other.start()
        struct Abort: Error {}
        XCTAssertThrowsError(try shared.transaction { tx in
            try tx.execute("INSERT INTO notes VALUES ('transaction')")
            insideTransaction.signal()
            // The other thread's statement must wait for this transaction; if it could run now, it would be
            // inside the transaction and rolled back with it.
            if otherFinished.wait(timeout: .now() + 1) == .success { otherFinished.signal() }
            order.withLock { $0.append("transaction ends") }
            throw Abort()
        })
        XCTAssertEqual(otherFinished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(order.withLock { $0 }, ["transaction ends", "other statement"])
        let rows = try shared.query("SELECT source FROM notes").compactMap { $0["source"] }
        XCTAssertEqual(rows, ["other"], "the other statement committed on its own; the transaction's insert rolled back")
    }

    func testTransactionViewRefusesUseAfterTheTransaction() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        let escaped = try connection.transaction { tx in tx }
        XCTAssertThrowsError(try escaped.query("SELECT 1"))
        XCTAssertEqual(try connection.query("SELECT 1 AS n")[0].int("n"), 1)
    }

    func testConnectionLostDuringCopyIsTransient() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let copying = try database.connect()
        let admin = try database.connect()
        try copying.execute("CREATE TABLE sink (n integer, padding text)")
        let pid = try copying.query("SELECT pg_backend_pid() AS pid")[0].int("pid")
        let padding = String(repeating: "x", count: 200)
        // The backend is terminated part-way through the data; the rest keeps being sent into a closed socket.
        let lines = (0..<400_000).lazy.map { n -> String in
            if n == 2_000 {
                _ = try? admin.execute("SELECT pg_terminate_backend($1)", [pid])
                Thread.sleep(forTimeInterval: 0.2)
            }
            return "\(n)\t\(padding)"
        }
        XCTAssertThrowsError(try copying.copy("COPY sink FROM STDIN", lines: lines)) { error in
            let failure = error as? PostgresError
            XCTAssertEqual(failure?.isTransient, true, "a lost connection during COPY must pause the worker, not stop it: \(error)")
        }
    }

    func testBadRowInCopyIsNotTransient() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("CREATE TABLE sink (n integer)")
        let lines = (0..<100_000).lazy.map { $0 == 10 ? "not a number" : String($0) }
        XCTAssertThrowsError(try connection.copy("COPY sink FROM STDIN", lines: lines)) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "22P02")
            XCTAssertEqual((error as? PostgresError)?.isTransient, false)
        }
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM sink")[0].int("n"), 0, "the connection is usable after a refused COPY")
    }
}
