import PostgresClient

/// The session-level advisory lock that lets only one nightly job run against a database. It lives on its own
/// connection for the job's lifetime; PostgreSQL releases it when that connection closes, including when the
/// process is killed, so a crashed job never blocks the next one.
public final class PublicationLock: Sendable {
    /// Distinct from the migrator's key (7_301_001).
    public static let nightlyKey = 7_301_006

    let connection: PostgresConnection

    private init(connection: PostgresConnection) { self.connection = connection }

    /// The lock, or nil when another session holds it.
    public static func tryAcquire(url: String) throws -> PublicationLock? {
        let connection = try PostgresConnection(url: url)
        let row = try connection.query("SELECT pg_try_advisory_lock($1::bigint) AS locked", [nightlyKey])[0]
        return try row.bool("locked") ? PublicationLock(connection: connection) : nil
    }

    /// Who holds the lock, for the refusal message: "pid 4242 (recworker) since 2026-…", when visible.
    public static func holder(url: String) throws -> String? {
        let connection = try PostgresConnection(url: url)
        guard let row = try connection.query("""
            SELECT a.pid, coalesce(nullif(a.application_name, ''), a.client_addr::text, 'local') AS client,
                   a.backend_start::text AS since
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, [nightlyKey]).first else { return nil }
        return "server pid \(try row.string("pid")) (\(try row.string("client"))) connected since \(try row.string("since"))"
    }

    public func release() throws {
        try connection.execute("SELECT pg_advisory_unlock($1::bigint)", [Self.nightlyKey])
    }
}
