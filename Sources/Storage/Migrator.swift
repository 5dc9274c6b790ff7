import Foundation
import Logging
import PostgresClient

/// Applies the numbered SQL files in `sql/` (shipped as resources) in order, each in its own transaction,
/// recording them in `schema_migrations`. Safe to run concurrently: an advisory lock serialises runners.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
    }

    static let lockKey = 7_301_001

    public let migrations: [Migration]

    public init(migrations: [Migration]) { self.migrations = migrations.sorted { $0.version < $1.version } }

    /// Migrations from a folder of `NNN_name.sql` files; by default the ones bundled with recworker.
    public static func bundled(directory: String? = nil) throws -> Migrator {
        let folder: URL
        if let directory {
            folder = URL(fileURLWithPath: directory)
        } else if let bundled = Bundle.module.url(forResource: "Migrations", withExtension: nil) {
            folder = bundled
        } else {
            throw StorageError("the bundled SQL migrations are missing; pass --sql-dir pointing at recworker's sql/ folder")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
        let migrations = try files.map { file -> Migration in
            guard let version = Int(file.prefix { $0.isNumber }) else {
                throw StorageError("migration file \(file) must start with its number, e.g. 001_core.sql")
            }
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            return Migration(version: version, name: String(file.dropLast(4)), sql: sql)
        }
        return Migrator(migrations: migrations)
    }

    /// Applies what is missing and returns the names applied now.
    @discardableResult
    public func migrate(_ connection: PostgresConnection, logger: Logger? = nil) throws -> [String] {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """)
        try connection.execute("SELECT pg_advisory_lock($1)", [Self.lockKey])
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [Self.lockKey]) }
        let applied = Set(try connection.query("SELECT version FROM schema_migrations").map { try $0.int("version") })
        var done = [String]()
        for migration in migrations where !applied.contains(migration.version) {
            try connection.transaction { tx in
                try tx.executeScript(migration.sql)
                try tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name])
            }
            logger?.info("applied migration \(migration.name)")
            done.append(migration.name)
        }
        return done
    }
}
