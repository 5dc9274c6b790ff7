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

    /// The migrations compiled in from `sql/`, or those in `directory` when given (NNN_name.sql files).
    public static func bundled(directory: String? = nil) throws -> Migrator {
        let files: [(file: String, sql: String)]
        if let directory {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.map {
                ($0, try String(contentsOfFile: (directory as NSString).appendingPathComponent($0), encoding: .utf8))
            }
        } else {
            files = embeddedMigrations
        }
        return Migrator(migrations: try files.map { file, sql in
            guard let version = Int(file.prefix { $0.isNumber }) else {
                throw StorageError("migration file \(file) must start with its number, e.g. 001_core.sql")
            }
            return Migration(version: version, name: String(file.dropLast(4)), sql: sql)
        })
    }

    /// Applies what is missing and returns the names applied now.
    @discardableResult
    public func migrate(_ connection: PostgresConnection, logger: Logger? = nil) throws -> [String] {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """)
        var done = [String]()
        for migration in migrations {
            // A transaction-scoped lock, re-checking under it: it holds through a transaction pooler (PgBouncer), where
            // a session lock and its unlock could land on different server connections and the lock stay behind.
            let applied = try connection.transaction { tx -> Bool in
                try tx.execute("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
                guard try tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [migration.version]).isEmpty else { return false }
                try tx.executeScript(migration.sql)
                try tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name])
                return true
            }
            guard applied else { continue }
            logger?.info("applied migration \(migration.name)")
            done.append(migration.name)
        }
        return done
    }
}
