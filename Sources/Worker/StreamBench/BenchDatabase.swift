import Foundation
import PostgresClient
import Storage

/// The database a stream bench writes to: the one given, or a fresh migrated one on the same server,
/// dropped afterwards (so runs never see each other's rows).
struct BenchDatabase {
    let url: String
    private let cleanup: (() -> Void)?

    static func given(_ url: String) throws -> BenchDatabase {
        try Migrator.bundled().migrate(try PostgresConnection(url: url))
        return BenchDatabase(url: url, cleanup: nil)
    }

    static func fresh(onServerOf adminURL: String) throws -> BenchDatabase {
        let name = "recworker_bench_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(url: adminURL)
        try admin.execute("CREATE DATABASE \(name)")
        guard var components = URLComponents(string: adminURL) else {
            throw ValidationFailure("cannot parse the database URL to derive a bench database from it")
        }
        components.path = "/" + name
        let url = components.string ?? adminURL
        try Migrator.bundled().migrate(try PostgresConnection(url: url))
        return BenchDatabase(url: url, cleanup: {
            _ = try? PostgresConnection(url: adminURL).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        })
    }

    func drop() { cleanup?() }

    struct ValidationFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
