import Pipeline
import XCTest

/// The rule that picks λ: the largest λ whose validation NDCG, averaged over folds, is within the tolerance of λ = 0.
final class DiversityChoiceTests: XCTestCase {
    func testTheLargestLambdaWithinToleranceOfTheAverageIsChosen() {
        // Fold 1 alone would stop at 0.5 (0.6 is 2.5 % down), fold 2 alone at 0.7; on average 0.6 is 1.5 % down.
        let choice = DiversityChoice(folds: [
            [(0, 0.400, 0.15), (0.5, 0.396, 0.22), (0.6, 0.390, 0.25), (0.7, 0.380, 0.29)],
            [(0, 0.400, 0.16), (0.5, 0.400, 0.23), (0.6, 0.398, 0.26), (0.7, 0.394, 0.30)],
        ])
        XCTAssertEqual(choice.chosen, 0.6)
        XCTAssertEqual(choice.curve.map(\.lambda), [0, 0.5, 0.6, 0.7])
        XCTAssertEqual(choice.curve[2].ndcg, 0.394, accuracy: 1e-12)
        XCTAssertEqual(choice.curve[2].ndcgChange, -0.015, accuracy: 1e-9)
        XCTAssertEqual(choice.curve[2].coverage, 0.255, accuracy: 1e-12)
        XCTAssertEqual(choice.curve[2].ndcgDeviation, (2 * 0.004 * 0.004).squareRoot(), accuracy: 1e-12)
        XCTAssertTrue(choice.markdown.contains("| 0.6 **chosen** | 0.3940 |"), choice.markdown)
    }

    func testNothingWithinToleranceKeepsTheModelOrder() {
        let choice = DiversityChoice(folds: [[(0, 0.4, 0.15), (0.3, 0.3, 0.4)]])
        XCTAssertEqual(choice.chosen, 0)
        XCTAssertEqual(choice.curve[0].ndcgDeviation, 0, "one fold has no spread")
    }

    func testANonMonotoneCurveStillTakesTheLargestPassingLambda() {
        // Diversity can help NDCG (less popular, still relevant films); a dip in the middle does not stop the search.
        let choice = DiversityChoice(folds: [[(0, 0.40, 0.15), (0.2, 0.38, 0.2), (0.4, 0.41, 0.25), (0.6, 0.30, 0.4)]])
        XCTAssertEqual(choice.chosen, 0.4)
    }
}
