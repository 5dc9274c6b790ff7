import Foundation
import Pipeline
import ScriptedLLMServer
import TestSupport
import XCTest

/// `recworker calibrate` and `evaluate --rerank llm` end to end against the scripted fake endpoint, on a
/// generated MovieLens folder: one call per sampled user, the rows and reports written, failures kept
/// as the model's order.
final class LLMEvaluationCommandTests: XCTestCase {
    private var server: ScriptedLLMServer?
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("llm-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let dataset = SyntheticMovieLens(users: 60, items: 200, ratingsPerUser: 30, seed: 5).generate()
        for (name, text) in MovieLensWriter.files(for: dataset) {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .isoLatin1)
        }
    }

    override func tearDown() {
        server?.shutdown()
        server = nil
        try? FileManager.default.removeItem(at: folder)
    }

    private func run(_ arguments: [String], script: @escaping ScriptedLLMServer.Script) throws -> (RecworkerBinary.Output, ScriptedLLMServer) {
        let server = try ScriptedLLMServer(script: script)
        self.server = server
        let llm = ["--llm-base-url", server.baseURL, "--llm-model", "fake", "--llm-candidates", "8", "--llm-max-attempts", "1"]
        // No DATABASE_URL: no answer cache, so every sampled user reaches the fake endpoint.
        let output = try RecworkerBinary.locate().run(arguments + llm, environment: ["DATABASE_URL": "", "LLM_API_KEY": ""])
        XCTAssertEqual(output.status, 0, output.stderr)
        return (output, server)
    }

    private func json(_ name: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(name))) as? [String: Any])
    }

    func testEvaluateAddsLLMRowsOnTheSampledUsers() throws {
        let (output, server) = try run(
            ["evaluate", "--movielens", folder.path, "--models", "blend", "--rerank", "llm", "--llm-users", "5", "--llm-weight", "0.5",
             "--output", folder.appendingPathComponent("eval").path]) { _, _ in .complete() }
        XCTAssertEqual(server.log.count, 5, "one call per sampled user")
        XCTAssertTrue(output.stdout.contains("| blend (same 5 users) |"), output.stdout)
        XCTAssertTrue(output.stdout.contains("| blend + LLM (w=0.5, 5 users) |"), output.stdout)
        let csv = try String(contentsOf: folder.appendingPathComponent("eval.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 4, "header, blend, and the two LLM rows")
        let summary = try json("eval-llm.json")
        XCTAssertEqual(summary["users"] as? Int, 5)
        XCTAssertEqual(summary["llm_failures"] as? Int, 0)
        XCTAssertEqual(summary["weight"] as? Double, 0.5)
        XCTAssertTrue(output.stderr.contains("LLM pass: 5 ranked, 0 failed"), output.stderr)
        // The fake's reasons are distinct and readable: the explanation gate keeps every one.
        XCTAssertEqual(summary["llm_reasons_kept"] as? Double, 1, "\(summary)")
    }

    func testEvaluateKeepsTheModelOrderWhenEveryCallFails() throws {
        let (_, server) = try run(
            ["evaluate", "--movielens", folder.path, "--models", "blend", "--rerank", "llm", "--llm-users", "4", "--llm-weight", "1",
             "--output", folder.appendingPathComponent("eval").path]) { _, _ in .reply(status: 500, body: "down") }
        XCTAssertEqual(server.log.count, 4)
        let summary = try json("eval-llm.json")
        XCTAssertEqual(summary["llm_failures"] as? Int, 4)
        let gain = try XCTUnwrap(summary["gain_over_blend"] as? [String: Any])
        XCTAssertEqual(gain["mean"] as? Double, 0)
        XCTAssertEqual((summary["blend_ndcg"] as? [String: Any])?["mean"] as? Double, (summary["llm_ndcg"] as? [String: Any])?["mean"] as? Double)
    }

    func testCalibrateScoresEveryWeightAndWritesTheChoice() throws {
        let out = folder.appendingPathComponent("calibration.json").path
        let (output, server) = try run(
            ["calibrate", "--movielens", folder.path, "--users", "6", "--seed", "3", "--weights", "0.5,1", "--out", out]) { _, _ in .complete() }
        XCTAssertEqual(server.log.count, 6)
        XCTAssertTrue(output.stdout.contains("llm.fusion_weight: "), output.stdout)
        let report = try json("calibration.json")
        XCTAssertEqual(report["users"] as? Int, 6)
        let results = try XCTUnwrap(report["results"] as? [[String: Any]])
        XCTAssertEqual(results.compactMap { $0["weight"] as? Double }, [0, 0.5, 1], "weight 0 (the model alone) is always tried")
        let chosen = try XCTUnwrap(report["chosen_weight"] as? Double)
        let best = results.compactMap { ($0["ndcg"] as? [String: Any])?["mean"] as? Double }.max()!
        let chosenMean = results.first { $0["weight"] as? Double == chosen }.flatMap { ($0["ndcg"] as? [String: Any])?["mean"] as? Double }
        XCTAssertEqual(chosenMean, best)
    }
}
