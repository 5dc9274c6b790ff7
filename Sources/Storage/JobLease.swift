import Foundation
import Pipeline
import PostgresClient

/// An exclusive, expiring lease on a named job (a row of `job_leases`) with a fencing token.
///
/// It replaces a session advisory lock, which does not survive a transaction pooler (PgBouncer): the lock and
/// its holder's later statements may run on different server connections. Every write phase of the holder calls
/// `validate(in:)` inside its own transaction: the row lock it takes orders it against a takeover, and a token
/// that is no longer current (the lease expired and another job took it) aborts the write.
public struct JobLease: Sendable {
    public let job: String
    public let fencingToken: Int
    public let ttl: Duration
    let connection: PostgresConnection

    /// The lease, or nil when another holder's lease has not expired yet. A lease whose holder was a process on
    /// this host that no longer exists (killed) is taken over at once rather than after it expires.
    public static func tryAcquire(job: String, holder: String = processHolder, ttl: Duration, connection: PostgresConnection) throws -> JobLease? {
        let rows = try connection.query("""
            INSERT INTO job_leases AS l (job, holder, fencing_token, expires_at)
            VALUES ($1, $2, 1, now() + make_interval(secs => $3::double precision))
            ON CONFLICT (job) DO UPDATE SET holder = EXCLUDED.holder, fencing_token = l.fencing_token + 1,
                acquired_at = now(), expires_at = EXCLUDED.expires_at
            WHERE l.expires_at <= now() OR l.holder = $4
            RETURNING fencing_token
            """, [job, holder, ttl.seconds, try deadLocalHolder(job: job, connection: connection) ?? ""])
        guard let row = rows.first else { return nil }
        return JobLease(job: job, fencingToken: try row.int("fencing_token"), ttl: ttl, connection: connection)
    }

    /// The current holder's text when it names a process of this host that has exited.
    private static func deadLocalHolder(job: String, connection: PostgresConnection) throws -> String? {
        guard let holder = try connection.query("SELECT holder FROM job_leases WHERE job = $1", [job]).first?.string("holder") else { return nil }
        let prefix = ProcessInfo.processInfo.hostName + ":"
        guard holder.hasPrefix(prefix), let pid = Int32(holder.dropFirst(prefix.count).prefix { $0.isNumber }) else { return nil }
        return kill(pid, 0) == -1 && errno == ESRCH ? holder : nil
    }

    /// "host:pid (token 7) until 2026-…", for the refusal message, when a lease row exists.
    public static func holder(job: String, connection: PostgresConnection) throws -> String? {
        guard let row = try connection.query(
            "SELECT holder, fencing_token, expires_at::text AS until FROM job_leases WHERE job = $1 AND expires_at > now()", [job]).first
        else { return nil }
        return "\(try row.string("holder")) (fencing token \(try row.int("fencing_token"))) until \(try row.string("until"))"
    }

    /// A name for this process in the lease row: host, pid and start time, so an operator can find it.
    public static var processHolder: String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()) started \(ISO8601DateFormatter().string(from: Date()))"
    }

    /// Checks that this lease is still the current one and extends it; call inside the transaction of each write.
    public func validate(in tx: PostgresConnection) throws {
        let renewed = try tx.execute("""
            UPDATE job_leases SET expires_at = now() + make_interval(secs => $3::double precision)
            WHERE job = $1 AND fencing_token = $2 AND expires_at > now()
            """, [job, fencingToken, ttl.seconds])
        guard renewed == 1 else { throw LeaseLost(job: job, fencingToken: fencingToken) }
    }

    /// Renews outside a write (the heartbeat during long computations).
    public func renew() throws {
        try connection.transaction { try validate(in: $0) }
    }

    public func release() throws {
        try connection.execute("DELETE FROM job_leases WHERE job = $1 AND fencing_token = $2", [job, fencingToken])
    }
}

/// The lease expired and another holder took it (or it was removed): this job must stop without writing.
public struct LeaseLost: Error, CustomStringConvertible, Sendable {
    public let job: String
    public let fencingToken: Int
    public var description: String {
        "lost the \(job) lease (fencing token \(fencingToken)): it expired or another job took it over; this job stopped without publishing. Run it again (with --resume to keep the rows written so far)"
    }
}
