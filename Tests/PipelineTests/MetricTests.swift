import Pipeline
import XCTest

final class MetricTests: XCTestCase {
    func testMetricsFollowTheProtocolDefinitions() {
        // Hits at ranks 1 and 3 of K=4, three relevant items (one never recommended).
        let metrics = RankingMetrics(ranked: [10, 20, 30, 40], relevant: [10, 30, 99], k: 4)
        XCTAssertEqual(metrics.precision, 0.5)
        XCTAssertEqual(metrics.recall, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(metrics.hitRate, 1)
        let dcg = 1 / log2(2.0) + 1 / log2(4.0)
        let idcg = 1 / log2(2.0) + 1 / log2(3.0) + 1 / log2(4.0)
        XCTAssertEqual(metrics.ndcg, dcg / idcg, accuracy: 1e-12)
    }

    func testIdealDCGIsCappedAtK() {
        // Five relevant items but K=2: two hits at the top is a perfect list.
        XCTAssertEqual(RankingMetrics(ranked: [1, 2], relevant: [1, 2, 3, 4, 5], k: 2).ndcg, 1, accuracy: 1e-12)
    }

    func testMissesScoreZero() {
        XCTAssertEqual(RankingMetrics(ranked: [7, 8], relevant: [1], k: 2), .zero)
    }
}
