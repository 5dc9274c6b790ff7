import LinearAlgebra
import Pipeline
import XCTest

/// Calibration on scripted LLM opinions whose right answer is known: an oracle must be trusted fully,
/// an adversary switched off, an echo of the model's order changes nothing (so the model is kept).
final class FusionCalibrationTests: XCTestCase {
    struct Unavailable: Error {}

    /// Sources that rank the candidates with knowledge of the relevant items.
    struct ScriptedSource: LLMRankingSource {
        enum Opinion: Sendable { case oracle, adversary, echo, failing }
        var opinion: Opinion
        var relevant: [Int: Set<Int>]

        func llmRanking(_ request: RerankRequest) async throws -> LLMRanking {
            let ids = request.candidates.map(\.item.id)
            let good = relevant[request.userID] ?? []
            let order: [Int]
            switch opinion {
            case .oracle: order = ids.filter { good.contains($0) } + ids.filter { !good.contains($0) }
            case .adversary: order = ids.filter { !good.contains($0) } + ids.filter { good.contains($0) }
            case .echo: order = ids
            case .failing: throw Unavailable()
            }
            return LLMRanking(scores: RankFusion.borda([.init(shown: ids, ranked: order)]), reasons: [:], usage: nil, samples: 1)
        }
    }

    /// Users whose relevant items sit in the middle of the model's candidate list (positions 8–12 of 20),
    /// generated from a seed: the model gets some, a perfect reorder all of them.
    func cases(users: Int = 30, seed: UInt64 = 11) -> [RerankCase] {
        var generator = SeededGenerator(seed: seed)
        return (1...users).map { user in
            let ids = (0..<20).map { user * 1000 + $0 }.shuffled(using: &generator)
            let candidates = ids.enumerated().map { Candidate(item: .stub(id: $1), score: 1 - Double($0) / 20) }
            let relevant = Set(ids[8..<(8 + Int.random(in: 1...4, using: &generator))])
            return RerankCase(request: RerankRequest(userID: user, profile: UserProfile(userID: user), candidates: candidates, limit: 10), relevant: relevant)
        }
    }

    func calibrate(_ opinion: ScriptedSource.Opinion) async -> (chosen: FusionCalibration.WeightResult, all: [FusionCalibration.WeightResult], failures: Int) {
        let cases = cases()
        let source = ScriptedSource(opinion: opinion, relevant: Dictionary(uniqueKeysWithValues: cases.map { ($0.request.userID, $0.relevant) }))
        let outcome = await LLMRankingCollector(source: source, concurrency: 3).collect(cases)
        let calibration = FusionCalibration(k: 10, weights: [0.25, 0.5, 0.75, 1])
        let results = calibration.evaluate(cases, rankings: outcome.rankings)
        return (FusionCalibration.choose(results)!, results, outcome.failures.count)
    }

    func testWeightZeroIsAlwaysTried() {
        XCTAssertEqual(FusionCalibration(k: 10, weights: [1, 0.5, 0.5]).weights, [0, 0.5, 1])
    }

    func testOracleIsTrustedFully() async {
        let (chosen, all, failures) = await calibrate(.oracle)
        XCTAssertEqual(failures, 0)
        XCTAssertEqual(chosen.weight, 1)
        XCTAssertEqual(chosen.ndcg.mean, 1, accuracy: 1e-12, "every relevant item is a candidate, so the oracle's order is ideal")
        XCTAssertGreaterThan(chosen.gainOverModel.lower95, 0, "the oracle's gain is beyond noise")
        XCTAssertEqual(all.first { $0.weight == 0 }!.gainOverModel.mean, 0)
    }

    func testAdversaryIsSwitchedOff() async {
        let (chosen, all, _) = await calibrate(.adversary)
        XCTAssertEqual(chosen.weight, 0)
        XCTAssertLessThan(all.first { $0.weight == 1 }!.ndcg.mean, chosen.ndcg.mean)
    }

    func testEchoOfTheModelTiesAndTheModelIsKept() async {
        let (chosen, all, _) = await calibrate(.echo)
        XCTAssertEqual(chosen.weight, 0, "ties go to the lowest weight")
        XCTAssertEqual(Set(all.map { ($0.ndcg.mean * 1e12).rounded() }).count, 1)
    }

    func testFailedCallsKeepTheModelOrder() async {
        let (chosen, all, failures) = await calibrate(.failing)
        XCTAssertEqual(failures, 30)
        XCTAssertEqual(chosen.weight, 0)
        XCTAssertTrue(all.allSatisfy { $0.gainOverModel.mean == 0 })
    }

    func testSampleStatistics() {
        let constant = SampleStatistics([0.5, 0.5, 0.5])
        XCTAssertEqual(constant.mean, 0.5)
        XCTAssertEqual(constant.standardError, 0)
        XCTAssertEqual(constant.lower95, 0.5)
        XCTAssertEqual(constant.upper95, 0.5)
        let spread = SampleStatistics([0, 1, 0, 1])
        XCTAssertEqual(spread.mean, 0.5)
        XCTAssertEqual(spread.standardError, (1.0 / 3 / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertLessThanOrEqual(spread.lower95, spread.mean)
        XCTAssertGreaterThanOrEqual(spread.upper95, spread.mean)
    }

    func testEvaluationRowsAtWeightZeroEqualTheModelRow() async {
        let cases = cases()
        let source = ScriptedSource(opinion: .oracle, relevant: Dictionary(uniqueKeysWithValues: cases.map { ($0.request.userID, $0.relevant) }))
        let outcome = await LLMRankingCollector(source: source, concurrency: 2).collect(cases)
        let alone = RerankEvaluation.modelResult(name: "blend", cases: cases, rankings: nil, weight: 0, k: 10, catalogueSize: 100, seconds: 0)
        let zero = RerankEvaluation.modelResult(name: "w0", cases: cases, rankings: outcome.rankings, weight: 0, k: 10, catalogueSize: 100, seconds: 0)
        let one = RerankEvaluation.modelResult(name: "w1", cases: cases, rankings: outcome.rankings, weight: 1, k: 10, catalogueSize: 100, seconds: 0)
        XCTAssertEqual(alone.metrics, zero.metrics)
        XCTAssertEqual(one.users.count, cases.count)
        XCTAssertEqual(one.metrics.ndcg, 1, accuracy: 1e-12)
    }
}
