import Foundation
import PostgresClient
import Storage

/// A PostgreSQL server of a test's own (initdb into a temporary folder), for tests that stop and start
/// the database under a running worker without disturbing the shared dev server.
public final class TemporaryPostgres: @unchecked Sendable {
    public let port: Int
    public let url: String
    public let folder: URL
    private let binaries = "/usr/lib/postgresql/15/bin"
    private let serverOptions: String

    /// - Parameters:
    ///   - serverOptions: extra `postgres` options, e.g. `-c ssl=on`.
    ///   - prepare: runs on the new (empty) folder before initdb, e.g. to place certificates the server reads.
    public init(serverOptions: String = "", migrate: Bool = true, prepare: (URL) throws -> Void = { _ in }) throws {
        folder = URL(fileURLWithPath: "/tmp/recworker-pg-\(UInt32.random(in: 0...UInt32.max))")
        port = try TestEnvironment.freePort()
        url = "postgresql://postgres@127.0.0.1:\(port)/postgres"
        self.serverOptions = serverOptions
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try prepare(folder)
        try asServerUser(["chown", "-R", "postgres", folder.path], asRoot: true)
        try asServerUser(["\(binaries)/initdb", "-D", folder.appendingPathComponent("data").path, "-A", "trust", "-U", "postgres"])
        try start()
        if migrate { try Migrator.bundled().migrate(try PostgresConnection(url: url)) }
    }

    public func start() throws {
        try asServerUser([
            "\(binaries)/pg_ctl", "-D", folder.appendingPathComponent("data").path, "-w", "-l", folder.appendingPathComponent("log").path,
            "-o", "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off \(serverOptions)", "start",
        ])
    }

    /// Immediate shutdown: connections drop mid-transaction, as in a crash of the database host.
    public func stop() throws {
        try asServerUser(["\(binaries)/pg_ctl", "-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
    }

    public func destroy() {
        try? stop()
        try? FileManager.default.removeItem(at: folder)
    }

    private func asServerUser(_ command: [String], asRoot: Bool = false) throws {
        // PostgreSQL refuses to run as root; the dev services run it as `postgres` the same way.
        let argv = getuid() == 0 && !asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
        guard Self.spawnAndWait(argv) == 0 else {
            let log = (try? String(contentsOf: folder.appendingPathComponent("log"), encoding: .utf8)) ?? ""
            throw TemporaryPostgresError(command: command.joined(separator: " "), serverLog: String(log.suffix(2_000)))
        }
    }

    /// posix_spawn + waitpid rather than Foundation's Process: the server that pg_ctl forks would inherit
    /// Process's exit-notification pipe and keep `waitUntilExit` waiting for as long as the server runs.
    /// The same holds for every daemon a test starts (stunnel, pgbouncer).
    public static func spawnAndWait(_ argv: [String]) -> Int32 {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        guard posix_spawnp(&pid, argv[0], &actions, nil, cArguments, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }
}

public struct TemporaryPostgresError: Error, CustomStringConvertible {
    public let command: String
    public let serverLog: String
    public var description: String { "`\(command)` failed; server log:\n\(serverLog)" }
}
