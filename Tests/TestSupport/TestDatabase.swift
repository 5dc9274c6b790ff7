import Foundation
import PostgresClient
import Storage

/// A throw-away database on the dev PostgreSQL, migrated to the current schema and dropped on `drop()`.
public final class TestDatabase: @unchecked Sendable {
    public let name: String
    public let url: String
    private let adminURL: String

    public init(migrated: Bool = true) throws {
        adminURL = try TestEnvironment.require("DATABASE_URL")
        name = "recworker_test_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(url: adminURL)
        try admin.execute("CREATE DATABASE \(name)")
        url = TestEnvironment.replacingDatabase(in: adminURL, with: name)
        if migrated { try Migrator.bundled().migrate(try connect()) }
    }

    public func connect() throws -> PostgresConnection { try PostgresConnection(url: url) }

    public func drop() {
        guard let admin = try? PostgresConnection(url: adminURL) else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

public enum TestEnvironment {
    /// Integration tests run against the dev services; without them they fail with what to run.
    public static func require(_ variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw MissingService(variable: variable)
        }
        return value
    }

    public struct MissingService: Error, CustomStringConvertible {
        public let variable: String
        public var description: String {
            "\(variable) is not set: start the dev services and load their environment (deploy/dev/test.sh does both)"
        }
    }

    static func replacingDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }

    /// A port the kernel just handed out, so parallel test servers do not collide.
    public static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0
            }
        }
        guard bound else { throw TemporaryPostgresError(command: "bind 127.0.0.1:0", serverLog: "") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until something accepts connections on 127.0.0.1:`port`.
    public static func waitForPort(_ port: Int, timeout: Duration = .seconds(20)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(socketFD)
            if connected { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TemporaryPostgresError(command: "wait for 127.0.0.1:\(port)", serverLog: "nothing listened within \(timeout)")
    }

    /// A topic name no other test uses.
    public static func uniqueTopic(_ prefix: String) -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
    }
}
