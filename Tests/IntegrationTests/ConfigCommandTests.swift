import Foundation
import TestSupport
import XCTest

/// `recworker config check`: one YAML file plus environment overrides, errors that name the key.
final class ConfigCommandTests: XCTestCase {
    func check(_ yaml: String?, environment: [String: String] = [:]) throws -> RecworkerBinary.Output {
        var arguments = ["config", "check"]
        if let yaml {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-\(UUID().uuidString).yaml")
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            arguments += ["--config", file.path]
        }
        // Start from a known database URL so each test controls only what it is about.
        return try RecworkerBinary.locate().run(arguments, environment: ["DATABASE_URL": "postgresql://u@h:5432/db"].merging(environment) { _, new in new })
    }

    func testTheExampleConfigIsValid() throws {
        let example = packageRoot.appendingPathComponent("deploy/recworker.example.yaml").path
        let result = try RecworkerBinary.locate().run(["config", "check", "--config", example], environment: ["DATABASE_URL": ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("config OK"), result.stdout)
        XCTAssertTrue(result.stdout.contains("nightly.keep_runs = 7"), result.stdout)
    }

    func testBadValueNamesTheKeyAndLine() throws {
        let result = try check("nightly:\n  keep_runs: zero\n")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("nightly.keep_runs: must be a whole number from 1 to 1000, got \"zero\""), result.stderr)
        XCTAssertTrue(result.stderr.contains(".yaml:2)"), result.stderr)
    }

    /// Refresh settings that cannot work name their key; left out, they show their defaults.
    func testRefreshSettingsNameTheirKeyAndShowTheirDefaults() throws {
        let cases = [
            (bad: "stream:\n  refresh_batch: 500\n  refresh_batch_max: 100\n",
             error: "stream.refresh_batch_max: must be at least stream.refresh_batch (500)",
             omitted: "stream:\n  refresh_batch: 5000\n", shown: "stream.refresh_batch_max = 5000"),
            (bad: "stream:\n  refresh_workers: 0\n", error: "stream.refresh_workers",
             omitted: "stream:\n  refresh_batch: 300\n", shown: "stream.refresh_workers = 2"),
        ]
        for entry in cases {
            let result = try check(entry.bad)
            XCTAssertNotEqual(result.status, 0)
            XCTAssertTrue(result.stderr.contains(entry.error), result.stderr)
            let defaulted = try check(entry.omitted)
            XCTAssertEqual(defaulted.status, 0, defaulted.stderr)
            XCTAssertTrue(defaulted.stdout.contains(entry.shown), defaulted.stdout)
        }
    }

    func testUnknownKeyIsRejectedWithTheSectionsSettings() throws {
        let result = try check("nightly:\n  keep_run: 3\n")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("nightly.keep_run: is not a recworker setting; settings in nightly are:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("keep_runs"), result.stderr)
    }

    func testEnvironmentOverridesTheFile() throws {
        let result = try check("nightly:\n  keep_runs: 3\n", environment: ["RECWORKER_NIGHTLY_KEEP_RUNS": "5", "KAFKA_BROKERS": "k1:9092,k2:9092"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("nightly.keep_runs = 5"), result.stdout)
        XCTAssertTrue(result.stdout.contains("kafka.brokers = k1:9092,k2:9092"), result.stdout)
    }

    func testBadEnvironmentValueNamesTheVariable() throws {
        let result = try check(nil, environment: ["RECWORKER_LLM_FUSION_WEIGHT": "2"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("llm.fusion_weight: must be a number from 0.0 to 1.0, got \"2\" (from environment RECWORKER_LLM_FUSION_WEIGHT)"),
                      result.stderr)
    }

    func testMisspeltVariableIsRejected() throws {
        let result = try check(nil, environment: ["RECWORKER_NIGHTLY_KEEPRUNS": "3"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("RECWORKER_NIGHTLY_KEEPRUNS: is not a recworker setting"), result.stderr)
    }

    func testMissingDatabaseURLSaysWhereToSetIt() throws {
        let result = try check(nil, environment: ["DATABASE_URL": ""])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("database.url: is not set"), result.stderr)
    }

    func testEnabledLLMNeedsAModelAndKeepsKeysOutOfFiles() throws {
        let noModel = try check("llm:\n  enabled: true\n  base_url: http://127.0.0.1:8080/v1\n", environment: ["LLM_MODEL": ""])
        XCTAssertTrue(noModel.stderr.contains("llm.model: is required when llm.enabled is true"), noModel.stderr)
        let keyInFile = try check("llm:\n  api_key: sk-123\n")
        XCTAssertTrue(keyInFile.stderr.contains("llm.api_key: must not be written in a file"), keyInFile.stderr)
        XCTAssertFalse(keyInFile.stderr.contains("sk-123"), "the key must not be echoed")
    }

    func testOutputNeedsBrokers() throws {
        let result = try check("kafka:\n  output:\n    enabled: true\n", environment: ["KAFKA_BROKERS": ""])
        XCTAssertTrue(result.stderr.contains("kafka.brokers: is required when kafka.output.enabled is true"), result.stderr)
    }
}
