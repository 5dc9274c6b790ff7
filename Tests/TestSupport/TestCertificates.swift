import Foundation

/// A throw-away CA, a server certificate it signed (for localhost and 127.0.0.1) and an unrelated second CA,
/// made with the openssl command line.
public struct TestCertificates: Sendable {
    public let folder: URL
    public var caFile: String { folder.appendingPathComponent("ca.crt").path }
    public var serverCertificate: String { folder.appendingPathComponent("server.crt").path }
    public var serverKey: String { folder.appendingPathComponent("server.key").path }
    /// A CA that did not sign the server certificate: verification against it must fail.
    public var wrongCAFile: String { folder.appendingPathComponent("wrong-ca.crt").path }

    /// Certificates an earlier `init(in:)` made in `folder`.
    public static func existing(in folder: URL) throws -> TestCertificates {
        TestCertificates(folder: folder)
    }

    private init(folder: URL) { self.folder = folder }

    public init(in folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        try Shell.run("""
            cd '\(folder.path)' &&
            openssl req -x509 \(ec) -keyout ca.key -out ca.crt -days 2 -subj '/CN=recworker test CA' &&
            openssl req \(ec) -keyout server.key -out server.csr -subj '/CN=localhost' &&
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.cnf &&
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.cnf &&
            openssl req -x509 \(ec) -keyout wrong-ca.key -out wrong-ca.crt -days 2 -subj '/CN=some other CA' &&
            chmod 600 server.key
            """)
    }
}

/// Runs a shell command line, failing with its output when it does not exit 0.
public enum Shell {
    public static func run(_ command: String) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-shell-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = TemporaryPostgres.spawnAndWait(["/bin/sh", "-c", "(\(command)) >'\(log)' 2>&1"])
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TemporaryPostgresError(command: command, serverLog: output)
        }
    }
}
