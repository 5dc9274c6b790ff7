import Foundation
import TestSupport
import XCTest

/// One configuration path: every verb resolves file, then environment, then its explicit flags, for every key.
final class ConfigPrecedenceTests: XCTestCase {
    /// (key, file value, environment variable, environment value, flag arguments, flag value), three per section
    /// with at least three keys; the flags are the verbs' own where they have one, `--setting` otherwise.
    static let cases: [(key: String, file: String, variable: String, env: String, flag: [String], flagValue: String)] = [
        ("database.url", "postgresql://file@h/db", "DATABASE_URL", "postgresql://env@h/db", ["--database-url", "postgresql://flag@h/db"], "postgresql://flag@h/db"),
        ("kafka.brokers", "file:1", "KAFKA_BROKERS", "env:1", ["--brokers", "flag:1"], "flag:1"),
        ("kafka.group", "g-file", "RECWORKER_KAFKA_GROUP", "g-env", ["--group", "g-flag"], "g-flag"),
        ("kafka.events_topic", "t-file", "RECWORKER_KAFKA_EVENTS_TOPIC", "t-env", ["--topic", "t-flag"], "t-flag"),
        ("stream.batch_size", "11", "RECWORKER_STREAM_BATCH_SIZE", "12", ["--batch-size", "13"], "13"),
        ("stream.max_wait_ms", "21", "RECWORKER_STREAM_MAX_WAIT_MS", "22", ["--batch-wait-ms", "23"], "23"),
        ("stream.refresh_batch", "31", "RECWORKER_STREAM_REFRESH_BATCH", "32", ["--refresh-batch", "33"], "33"),
        ("models.seed", "41", "RECWORKER_MODELS_SEED", "42", ["--setting", "models.seed=43"], "43"),
        ("models.history_length", "51", "RECWORKER_MODELS_HISTORY_LENGTH", "52", ["--setting", "models.history_length=53"], "53"),
        ("models.suite", "blend", "RECWORKER_MODELS_SUITE", "popularity", ["--setting", "models.suite=blend"], "blend"),
        ("candidates.per_user", "61", "RECWORKER_CANDIDATES_PER_USER", "62", ["--candidates", "63"], "63"),
        ("candidates.rerank_pool", "71", "RECWORKER_CANDIDATES_RERANK_POOL", "72", ["--llm-candidates", "73"], "73"),
        ("llm.concurrency", "3", "RECWORKER_LLM_CONCURRENCY", "4", ["--llm-concurrency", "5"], "5"),
        ("llm.max_attempts", "6", "RECWORKER_LLM_MAX_ATTEMPTS", "7", ["--llm-max-attempts", "8"], "8"),
        ("llm.structured_output", "none", "RECWORKER_LLM_STRUCTURED_OUTPUT", "json-object", ["--llm-structured-output", "json-schema"], "json-schema"),
        ("llm.base_url", "http://file:1/v1", "LLM_BASE_URL", "http://env:1/v1", ["--llm-base-url", "http://flag:1/v1"], "http://flag:1/v1"),
        ("nightly.keep_runs", "2", "RECWORKER_NIGHTLY_KEEP_RUNS", "3", ["--setting", "nightly.keep_runs=4"], "4"),
        ("nightly.batch_size", "81", "RECWORKER_NIGHTLY_BATCH_SIZE", "82", ["--setting", "nightly.batch_size=83"], "83"),
        ("nightly.lease_seconds", "91", "RECWORKER_NIGHTLY_LEASE_SECONDS", "92", ["--setting", "nightly.lease_seconds=93"], "93"),
        ("publication.rows_per_user", "5", "RECWORKER_PUBLICATION_ROWS_PER_USER", "6", ["--publish", "7"], "7"),
        ("retention.interactions_days", "30", "RECWORKER_RETENTION_INTERACTIONS_DAYS", "60", ["--setting", "retention.interactions_days=90"], "90"),
        ("retention.batch_size", "1000", "RECWORKER_RETENTION_BATCH_SIZE", "2000", ["--setting", "retention.batch_size=3000"], "3000"),
        ("kafka.properties.security.protocol", "ssl", "RECWORKER_KAFKA_SECURITY_PROTOCOL", "sasl_ssl", ["--setting", "kafka.properties.security.protocol=plaintext"], "plaintext"),
    ]

    private func fileWithEveryCase() throws -> String {
        var sections = [String: [String]]()
        for entry in Self.cases {
            let parts = entry.key.split(separator: ".", maxSplits: 1).map(String.init)
            sections[parts[0], default: []].append("  \(parts[1]): \"\(entry.file)\"")
        }
        // kafka.properties.* keys are nested one level deeper in YAML; a dotted property name is one key there.
        let yaml = sections.sorted { $0.key < $1.key }.map { section, lines in
            "\(section):\n" + lines.map { line in
                line.hasPrefix("  properties.") ? "  properties:\n    " + line.dropFirst("  properties.".count) : line
            }.joined(separator: "\n")
        }.joined(separator: "\n")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func resolved(_ arguments: [String], environment: [String: String]) throws -> [String: String] {
        let result = try RecworkerBinary.locate().run(arguments + ["--print-config"], environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        return Dictionary(result.stdout.split(separator: "\n").compactMap { line in
            let parts = line.components(separatedBy: " = ")
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }, uniquingKeysWith: { first, _ in first })
    }

    func testFlagBeatsEnvironmentBeatsFileForEveryVerb() throws {
        let file = try fileWithEveryCase()
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Nothing from the test runner's own environment may leak into the file-only run.
        let cleared = Dictionary(uniqueKeysWithValues: Self.cases.map { ($0.variable, "") })
        let environment = Dictionary(uniqueKeysWithValues: Self.cases.map { ($0.variable, $0.env) })
        let flags = Self.cases.flatMap(\.flag)

        let fromFile = try resolved(["stream", "--config", file], environment: cleared)
        let fromEnvironment = try resolved(["stream", "--config", file], environment: environment)
        let fromFlags = try resolved(["stream", "--config", file] + flags, environment: environment)
        for entry in Self.cases {
            XCTAssertEqual(fromFile[entry.key], entry.file, "file: \(entry.key)")
            XCTAssertEqual(fromEnvironment[entry.key], entry.env, "environment: \(entry.key)")
            XCTAssertEqual(fromFlags[entry.key], entry.flagValue, "flag: \(entry.key)")
        }

        // nightly takes the same LLM flags as the stream, and its other keys through --setting.
        let nightlyFlags = Self.cases.filter { entry in ["--llm-", "--setting", "--database-url"].contains { entry.flag[0].hasPrefix($0) } }
        let nightly = try resolved(["nightly", "--config", file] + nightlyFlags.flatMap(\.flag), environment: environment)
        for entry in nightlyFlags { XCTAssertEqual(nightly[entry.key], entry.flagValue, "nightly flag: \(entry.key)") }
    }

    func testKafkaSecurityPropertiesComeFromTheEnvironmentAndSecretFiles() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-secret-\(UUID().uuidString)").path
        try "s3cr3t-from-file\n".write(toFile: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-\(UUID().uuidString).yaml").path
        try """
            kafka:
              properties:
                security.protocol: sasl_ssl
                sasl.mechanism: SCRAM-SHA-512
                sasl.password_file: \(secret)
            """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try RecworkerBinary.locate().run(
            ["config", "check", "--config", file],
            environment: ["DATABASE_URL": "host=db.internal dbname=recworker user=worker password=hunter2",
                          "RECWORKER_KAFKA_SASL_USERNAME": "recworker", "RECWORKER_KAFKA_SSL_CA_LOCATION": "/etc/ssl/kafka-ca.pem"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for line in ["kafka.properties.security.protocol = sasl_ssl", "kafka.properties.sasl.mechanism = SCRAM-SHA-512",
                     "kafka.properties.sasl.username = recworker", "kafka.properties.ssl.ca.location = /etc/ssl/kafka-ca.pem",
                     "kafka.properties.sasl.password = (set, redacted)", "database.url = host=db.internal dbname=recworker user=worker password=***"] {
            XCTAssertTrue(result.stdout.contains(line), "missing \(line) in\n\(result.stdout)")
        }
        XCTAssertFalse(result.stdout.contains("s3cr3t"), "the SASL password was printed")
        XCTAssertFalse(result.stdout.contains("hunter2"), "the database password was printed")
    }

    func testASecretWrittenInTheFileIsRefusedWithoutEchoingIt() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-\(UUID().uuidString).yaml").path
        try "kafka:\n  properties:\n    sasl.password: hunter2\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try RecworkerBinary.locate().run(["config", "check", "--config", file], environment: ["DATABASE_URL": "postgresql://u@h/db"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("kafka.properties.sasl.password: is a secret and must not be written in a file"), result.stderr)
        XCTAssertTrue(result.stderr.contains("sasl.password_file"), result.stderr)
        XCTAssertFalse(result.stderr.contains("hunter2"))
    }

    func testAPropertyLibrdkafkaRefusesIsNamedAtStart() throws {
        let result = try RecworkerBinary.locate().run(["config", "check"], environment: [
            "DATABASE_URL": "postgresql://u@h/db", "RECWORKER_KAFKA_SECURITY_PROTOKOL": "ssl",
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("kafka.properties.security.protokol: librdkafka refuses it: No such configuration property"), result.stderr)
        XCTAssertTrue(result.stderr.contains("(from environment RECWORKER_KAFKA_SECURITY_PROTOKOL)"), result.stderr)
    }

    func testTheUnenforcedTokenBudgetKeyIsGone() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-\(UUID().uuidString).yaml").path
        try "llm:\n  token_budget_per_hour: 1000\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try RecworkerBinary.locate().run(["config", "check", "--config", file], environment: ["DATABASE_URL": "postgresql://u@h/db"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("llm.token_budget_per_hour: is not a recworker setting"), result.stderr)
    }

    func testTheExampleConfigShowsOneValuePerKey() throws {
        let example = packageRoot.appendingPathComponent("deploy/recworker.example.yaml").path
        let result = try RecworkerBinary.locate().run(["config", "check", "--config", example], environment: ["DATABASE_URL": ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        let keys = result.stdout.split(separator: "\n").dropFirst().compactMap { $0.components(separatedBy: " = ").first?.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(keys.count, Set(keys).count, "a key printed twice")
        XCTAssertGreaterThan(keys.count, 40)
    }
}
