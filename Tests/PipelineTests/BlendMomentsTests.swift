@testable import Pipeline
import XCTest

/// The blend standardises each component over the items a user has not seen (marked NaN); the sums run in sixteen
/// `Float` lanes for speed and must give what one `Double` sum in item order gives.
final class BlendMomentsTests: XCTestCase {
    func testMomentsSkipNaNAtEveryLengthAndPosition() {
        var generator = SystemRandomNumberGenerator()
        // An offset far from zero with a small spread is where one pass of sums and squares in `Float` cancels.
        for (length, offset) in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 1_001, 5_000].flatMap({ [($0, Float(0)), ($0, 1_000)] }) {
            var values = (0..<length).map { _ in offset + Float.random(in: -3...5, using: &generator) }
            for index in stride(from: length % 3, to: length, by: 3) { values[index] = .nan }
            let known = values.filter { !$0.isNaN }.map(Double.init)
            let (mean, deviation) = BlendedModel.moments(values[...])
            guard !known.isEmpty else {
                XCTAssertEqual(mean, 0); XCTAssertEqual(deviation, 0)
                continue
            }
            let expectedMean = known.reduce(0, +) / Double(known.count)
            let expectedDeviation = (known.map { $0 * $0 }.reduce(0, +) / Double(known.count) - expectedMean * expectedMean).squareRoot()
            // `Float` itself resolves 1,000 to 6e-5.
            XCTAssertEqual(Double(mean), expectedMean, accuracy: max(1e-5, 2e-7 * abs(expectedMean)), "length \(length), offset \(offset)")
            XCTAssertEqual(Double(deviation), expectedDeviation, accuracy: 1e-4, "length \(length), offset \(offset)")
        }
        XCTAssertTrue(BlendedModel.moments([Float.nan, .nan][...]) == (0, 0))
        XCTAssertTrue(BlendedModel.moments([Float]()[...]) == (0, 0))
    }
}
