@testable import Pipeline
import XCTest

/// The blend standardises each component over the items a user has not seen (marked NaN); the running sums are
/// split four ways for speed and must give what one sum in item order gives.
final class BlendMomentsTests: XCTestCase {
    func testMomentsSkipNaNAtEveryLengthAndPosition() {
        var generator = SystemRandomNumberGenerator()
        for length in [1, 2, 3, 4, 5, 7, 8, 9, 63, 1_001] {
            var values = (0..<length).map { _ in Float.random(in: -3...5, using: &generator) }
            for index in stride(from: length % 3, to: length, by: 3) { values[index] = .nan }
            let known = values.filter { !$0.isNaN }.map(Double.init)
            let (mean, deviation) = BlendedModel.moments(values[...])
            guard !known.isEmpty else {
                XCTAssertEqual(mean, 0); XCTAssertEqual(deviation, 0)
                continue
            }
            let expectedMean = known.reduce(0, +) / Double(known.count)
            let expectedDeviation = (known.map { $0 * $0 }.reduce(0, +) / Double(known.count) - expectedMean * expectedMean).squareRoot()
            XCTAssertEqual(Double(mean), expectedMean, accuracy: 1e-5, "length \(length)")
            XCTAssertEqual(Double(deviation), expectedDeviation, accuracy: 1e-4, "length \(length)")
        }
        XCTAssertTrue(BlendedModel.moments([Float.nan, .nan][...]) == (0, 0))
        XCTAssertTrue(BlendedModel.moments([Float]()[...]) == (0, 0))
    }
}
