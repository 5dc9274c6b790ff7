import Foundation

/// A PgBouncer of the test's own (Debian's pgbouncer) in transaction pooling mode in front of a PostgreSQL on
/// 127.0.0.1:`serverPort`. It refuses to run as root, so it runs as `postgres`, daemonised with a pid file.
public final class PgBouncer: @unchecked Sendable {
    public let port: Int
    private let folder: URL

    public init(serverPort: Int, poolSize: Int = 4) throws {
        port = try TestEnvironment.freePort()
        folder = URL(fileURLWithPath: "/tmp/recworker-pgbouncer-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "\"postgres\" \"\"\n".write(to: folder.appendingPathComponent("users.txt"), atomically: true, encoding: .utf8)
        let ini = folder.appendingPathComponent("pgbouncer.ini")
        try """
            [databases]
            * = host=127.0.0.1 port=\(serverPort)
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(folder.appendingPathComponent("users.txt").path)
            pool_mode = transaction
            default_pool_size = \(poolSize)
            max_client_conn = 200
            pidfile = \(folder.appendingPathComponent("pgbouncer.pid").path)
            logfile = \(folder.appendingPathComponent("pgbouncer.log").path)
            ignore_startup_parameters = extra_float_digits,options
            """.write(to: ini, atomically: true, encoding: .utf8)
        try Shell.run("chown -R postgres '\(folder.path)' && runuser -u postgres -- pgbouncer -d '\(ini.path)'")
        try TestEnvironment.waitForPort(port)
    }

    /// The URL of `database` through the pooler.
    public func url(database: String) -> String { "postgresql://postgres@127.0.0.1:\(port)/\(database)" }

    public func stop() {
        if let pid = try? String(contentsOf: folder.appendingPathComponent("pgbouncer.pid"), encoding: .utf8),
           let number = Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(number, SIGTERM)
            // It writes its log while shutting down: remove the folder once it has gone.
            let deadline = ContinuousClock.now + .seconds(5)
            while kill(number, 0) == 0, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
