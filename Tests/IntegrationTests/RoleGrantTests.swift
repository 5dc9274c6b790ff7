import Foundation
import PostgresClient
import Storage
import TestSupport
import XCTest

/// Least privilege: what `recworker_reader` and `recworker_analyst` may read, and a worker role that is
/// neither superuser nor allowed to create roles migrates and runs the nightly job.
final class RoleGrantTests: XCTestCase {
    var database: TestDatabase!
    var roles: [String] = []

    override func setUpWithError() throws {
        database = try TestDatabase()
    }

    override func tearDown() {
        database?.drop()
        if let admin = try? PostgresConnection(url: try TestEnvironment.require("DATABASE_URL")) {
            for role in roles { _ = try? admin.execute("DROP ROLE IF EXISTS \(role)") }
        }
    }

    private func loginRole(memberOf group: String?) throws -> String {
        let name = "rw_test_\(UInt32.random(in: 0...UInt32.max))"
        try database.connect().execute("CREATE ROLE \(name) LOGIN" + (group.map { " IN ROLE \($0)" } ?? " NOSUPERUSER NOCREATEROLE NOCREATEDB"))
        roles.append(name)
        return name
    }

    private func url(_ role: String, database name: String? = nil) throws -> String {
        var components = try XCTUnwrap(URLComponents(string: database.url))
        components.user = role
        if let name { components.path = "/" + name }
        return try XCTUnwrap(components.string)
    }

    private func readable(_ connection: PostgresConnection, _ table: String) -> Bool {
        (try? connection.query("SELECT * FROM \(table) LIMIT 1")) != nil
    }

    static let published = ["current_recommendations", "recommendations", "recommendation_lists", "recommendation_runs", "publication_state", "items"]
    static let behaviour = ["user_profiles", "user_activity", "user_genre_affinity"]
    static let neverShared = ["interactions", "users", "dead_letters", "llm_cache", "model_user_vectors", "refresh_queue", "erasures", "job_leases"]

    func testReaderSeesPublishedDataOnlyAndAnalystAddsBehaviour() throws {
        let reader = try PostgresConnection(url: url(try loginRole(memberOf: "recworker_reader")))
        let analyst = try PostgresConnection(url: url(try loginRole(memberOf: "recworker_analyst")))
        for table in Self.published {
            XCTAssertTrue(readable(reader, table), "reader cannot read \(table)")
            XCTAssertTrue(readable(analyst, table), "analyst cannot read \(table)")
        }
        for table in Self.behaviour {
            XCTAssertFalse(readable(reader, table), "reader can read \(table)")
            XCTAssertTrue(readable(analyst, table), "analyst cannot read \(table)")
        }
        for table in Self.neverShared {
            XCTAssertFalse(readable(reader, table), "reader can read \(table)")
            XCTAssertFalse(readable(analyst, table), "analyst can read \(table)")
        }
        XCTAssertThrowsError(try reader.execute("DELETE FROM items"), "the reader must not write")
    }

    func testAWorkerRoleWithoutSuperuserMigratesAndPublishes() throws {
        let worker = try loginRole(memberOf: nil)
        let name = "recworker_test_owned_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(url: try TestEnvironment.require("DATABASE_URL"))
        try admin.execute("CREATE DATABASE \(name) OWNER \(worker)")
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        let workerURL = try url(worker, database: name)

        let binary = try RecworkerBinary.locate()
        let migrate = try binary.run(["migrate", "--database-url", workerURL])
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
        let connection = try PostgresConnection(url: workerURL)
        XCTAssertEqual(try connection.query("SELECT (rolsuper OR rolcreaterole)::text AS p FROM pg_roles WHERE rolname = current_user")[0].string("p"), "false")
        try NightlyFixtures.load(into: connection, users: 20, items: 60, ratingsPerUser: 5...15)
        let nightly = try binary.run(["nightly", "--database-url", workerURL, "--progress", "none"])
        XCTAssertEqual(nightly.status, 0, nightly.stderr)
        // The grants were made by the worker (the roles already exist in the cluster): the reader sees the run.
        let reader = try PostgresConnection(url: url(try loginRole(memberOf: "recworker_reader"), database: name))
        XCTAssertGreaterThan(try reader.query("SELECT count(*) AS n FROM current_recommendations")[0].int("n"), 0)
        XCTAssertFalse(readable(reader, "user_profiles"))
    }
}
