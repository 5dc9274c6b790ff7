import Foundation
import TestSupport
import XCTest
import Yams

/// deploy/ must use recworker's real subcommands, flags and config keys: the manifests are parsed, their
/// config and environment fed to `recworker config check`, and their arguments checked against `--help`.
final class DeployManifestTests: XCTestCase {
    let deploy = packageRoot.appendingPathComponent("deploy")

    func manifests() throws -> [[String: Any]] {
        let folder = deploy.appendingPathComponent("k8s")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted().flatMap { name in
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            return try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
        }
    }

    func resource(_ kind: String, in documents: [[String: Any]]) throws -> [String: Any] {
        try XCTUnwrap(documents.first { $0["kind"] as? String == kind }, "deploy/k8s has no \(kind)")
    }

    func testKubernetesManifests() throws {
        let documents = try manifests()
        let cronJob = try resource("CronJob", in: documents)
        let cronSpec = try XCTUnwrap(cronJob["spec"] as? [String: Any])
        XCTAssertEqual(cronSpec["concurrencyPolicy"] as? String, "Forbid")
        let deployment = try resource("Deployment", in: documents)
        XCTAssertGreaterThan(try XCTUnwrap((deployment["spec"] as? [String: Any])?["replicas"] as? Int), 0)

        // Probes: liveness only restarts a stuck ingest loop; readiness follows assignment and the database.
        let streamContainer = try XCTUnwrap(((((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"]
            as? [String: Any])?["containers"] as? [[String: Any]])?.first)
        func probePath(_ probe: String) -> String? {
            ((streamContainer[probe] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String
        }
        XCTAssertEqual(probePath("livenessProbe"), "/livez")
        XCTAssertEqual(probePath("readinessProbe"), "/readyz")

        let configMap = try resource("ConfigMap", in: documents)
        let configText = try XCTUnwrap((configMap["data"] as? [String: Any])?["recworker.yaml"] as? String)
        let secret = try resource("Secret", in: documents)
        let secretData = try XCTUnwrap(secret["stringData"] as? [String: String])
        let mounts = try MountedFiles(config: configText, secrets: secretData)

        let podSpecs: [[String: Any]] = [
            try XCTUnwrap(((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]),
            try XCTUnwrap((((cronSpec["jobTemplate"] as? [String: Any])?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]),
        ]
        for podSpec in podSpecs {
            for container in try XCTUnwrap(podSpec["containers"] as? [[String: Any]]) {
                let arguments = try XCTUnwrap(container["args"] as? [String])
                try assertRealCommand(arguments)
                var environment = [String: String]()
                for entry in container["env"] as? [[String: Any]] ?? [] {
                    let name = try XCTUnwrap(entry["name"] as? String)
                    if let value = entry["value"] as? String {
                        environment[name] = value
                    } else {
                        let key = try XCTUnwrap(((entry["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any])?["key"] as? String)
                        environment[name] = try XCTUnwrap(secretData[key], "secret key \(key) of \(name) is not in the Secret")
                    }
                }
                try assertConfigChecks(environment: mounts.rewrite(environment), context: "container \(container["name"] ?? "?")")
            }
        }
    }

    func testSystemdUnits() throws {
        let folder = deploy.appendingPathComponent("systemd")
        let timer = try String(contentsOf: folder.appendingPathComponent("recworker-nightly.timer"), encoding: .utf8)
        XCTAssertTrue(timer.contains("OnCalendar="))
        for unit in ["recworker-stream.service", "recworker-nightly.service"] {
            let lines = try String(contentsOf: folder.appendingPathComponent(unit), encoding: .utf8).split(separator: "\n")
            let exec = try XCTUnwrap(lines.first { $0.hasPrefix("ExecStart=") })
            let words = exec.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
            XCTAssertEqual(words.first, "/usr/local/bin/recworker", "\(unit) must run the installed binary")
            try assertRealCommand(Array(words.dropFirst()))
            var environment = ["DATABASE_URL": "postgresql://u@h:5432/db"]
            for line in lines where line.hasPrefix("Environment=") {
                let assignment = line.dropFirst("Environment=".count).split(separator: "=", maxSplits: 1).map(String.init)
                environment[assignment[0]] = assignment[1]
            }
            XCTAssertEqual(environment["RECWORKER_CONFIG"], "/etc/recworker/recworker.yaml", unit)
            // The unit's paths exist only on a real host: point them at the example config and a key file.
            let key = try temporaryFile("llm-key", contents: "sk-test")
            environment["RECWORKER_CONFIG"] = deploy.appendingPathComponent("recworker.example.yaml").path
            environment["LLM_API_KEY_FILE"] = key
            try assertConfigChecks(environment: environment, context: unit)
        }
        let liveness = try String(contentsOf: folder.appendingPathComponent("recworker-stream-liveness.service"), encoding: .utf8)
        XCTAssertTrue(liveness.contains("http://127.0.0.1:9464/livez"), "the check probes /livez on the default metrics port")
        XCTAssertTrue(liveness.contains("systemctl restart recworker-stream.service"))
        let livenessTimer = try String(contentsOf: folder.appendingPathComponent("recworker-stream-liveness.timer"), encoding: .utf8)
        XCTAssertTrue(livenessTimer.contains("OnUnitActiveSec="))
        let nightly = try String(contentsOf: folder.appendingPathComponent("recworker-nightly.service"), encoding: .utf8)
        XCTAssertTrue(nightly.contains("SuccessExitStatus=75"), "a refused second run (exit 75) is not a failure")
    }

    func testDockerfileRunsTheBinaryWithTheExampleConfig() throws {
        let dockerfile = try String(contentsOf: deploy.appendingPathComponent("docker/Dockerfile"), encoding: .utf8)
        XCTAssertTrue(dockerfile.contains(#"ENTRYPOINT ["/usr/local/bin/recworker"]"#))
        XCTAssertTrue(dockerfile.contains("COPY deploy/recworker.example.yaml /etc/recworker/recworker.yaml"))
        XCTAssertTrue(dockerfile.contains("ENV RECWORKER_CONFIG=/etc/recworker/recworker.yaml"))
        let command = try XCTUnwrap(dockerfile.split(separator: "\n").first { $0.hasPrefix("CMD ") })
        let arguments = try XCTUnwrap(Yams.load(yaml: String(command.dropFirst(4))) as? [String])
        try assertRealCommand(arguments)
    }

    /// The subcommand exists and every `--flag` appears in its help.
    func assertRealCommand(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let subcommand = try XCTUnwrap(arguments.first, file: file, line: line)
        let help = try RecworkerBinary.locate().run([subcommand, "--help"])
        XCTAssertEqual(help.status, 0, "recworker \(subcommand) is not a command: \(help.stderr)", file: file, line: line)
        for flag in arguments where flag.hasPrefix("--") {
            XCTAssertTrue(help.stdout.contains(flag), "recworker \(subcommand) has no \(flag)", file: file, line: line)
        }
    }

    func assertConfigChecks(environment: [String: String], context: String, file: StaticString = #filePath, line: UInt = #line) throws {
        // Only what the deployment sets: no DATABASE_URL, LLM_* or KAFKA_BROKERS from the test's own environment.
        var clean = environment
        for name in ["DATABASE_URL", "KAFKA_BROKERS", "LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY", "LLM_API_KEY_FILE"] where clean[name] == nil {
            clean[name] = ""
        }
        let result = try RecworkerBinary.locate().run(["config", "check"], environment: clean)
        XCTAssertEqual(result.status, 0, "\(context): \(result.stderr)", file: file, line: line)
    }

    func temporaryFile(_ name: String, contents: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Stands in for the pod's mounted ConfigMap and Secret: paths under the mount points map to temporary files.
    struct MountedFiles {
        let folder: URL

        init(config: String, secrets: [String: String]) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-mounts-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try rewrite(config).write(to: folder.appendingPathComponent("recworker.yaml"), atomically: true, encoding: .utf8)
            for (key, value) in secrets { try value.write(to: folder.appendingPathComponent(key), atomically: true, encoding: .utf8) }
        }

        static let mountPoints = ["/etc/recworker/", "/var/run/secrets/recworker/"]

        func rewrite(_ environment: [String: String]) -> [String: String] { environment.mapValues(rewrite) }

        func rewrite(_ text: String) -> String {
            Self.mountPoints.reduce(text) { $0.replacingOccurrences(of: $1, with: folder.path + "/") }
        }
    }
}
