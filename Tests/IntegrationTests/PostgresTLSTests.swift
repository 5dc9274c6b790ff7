import Foundation
import PostgresClient
import TestSupport
import XCTest

/// PostgreSQL over TLS with `sslmode=verify-full`, against a server of the test's own with `ssl=on` and a
/// certificate signed by a CA made here; and passwords kept out of every error message.
final class PostgresTLSTests: XCTestCase {
    var server: TemporaryPostgres!
    var certificates: TestCertificates!

    override func setUpWithError() throws {
        // Relative to the data folder; the certificates sit beside it, owned by the server's user.
        server = try TemporaryPostgres(serverOptions: "-c ssl=on -c ssl_cert_file=../tls/server.crt -c ssl_key_file=../tls/server.key") { folder in
            _ = try TestCertificates(in: folder.appendingPathComponent("tls"))
        }
        certificates = try TestCertificates.existing(in: server.folder.appendingPathComponent("tls"))
    }

    override func tearDown() {
        server?.destroy()
    }

    private func url(rootCertificate: String) -> String {
        "postgresql://postgres@localhost:\(server.port)/postgres?sslmode=verify-full&sslrootcert=\(rootCertificate)"
    }

    func testVerifyFullConnectsOverTLS() throws {
        let migrate = try RecworkerBinary.locate().run(["migrate", "--database-url", url(rootCertificate: certificates.caFile)])
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
        let connection = try PostgresConnection(url: url(rootCertificate: certificates.caFile))
        XCTAssertEqual(try connection.query("SELECT ssl::text AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")[0].string("ssl"), "true")
    }

    func testAWrongCAFailsWithOneClearLine() throws {
        let run = try RecworkerBinary.locate().run(["migrate", "--database-url", url(rootCertificate: certificates.wrongCAFile)])
        XCTAssertNotEqual(run.status, 0)
        let lines = run.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        XCTAssertEqual(lines.count, 1, "expected one line, got:\n\(run.stderr)")
        XCTAssertTrue(run.stderr.contains("certificate verify failed"), run.stderr)
    }

    func testPasswordsAreRedactedInEveryConnectionStringForm() throws {
        let forms = [
            "postgresql://worker:hunter2@127.0.0.1:1/db",
            "postgresql://worker@127.0.0.1:1/db?password=hunter2&sslmode=disable",
            "host=127.0.0.1 port=1 user=worker password=hunter2 dbname=db",
            "host=127.0.0.1 port=1 user=worker password = 'hun ter2' dbname=db",
        ]
        for form in forms {
            XCTAssertFalse(PostgresConnection.redacted(form).contains("hunter2"), PostgresConnection.redacted(form))
            XCTAssertFalse(PostgresConnection.redacted(form).contains("hun ter2"), PostgresConnection.redacted(form))
            XCTAssertTrue(PostgresConnection.redacted(form).contains("***"), PostgresConnection.redacted(form))
            let run = try RecworkerBinary.locate().run(["migrate", "--database-url", form])
            XCTAssertNotEqual(run.status, 0)
            XCTAssertTrue(run.stderr.contains("cannot connect to PostgreSQL"), run.stderr)
            XCTAssertFalse(run.stderr.contains("hunter2") || run.stderr.contains("hun ter2"), run.stderr)
        }
        XCTAssertEqual(PostgresConnection.redacted("host=db user=worker dbname=db"), "host=db user=worker dbname=db")
    }
}
