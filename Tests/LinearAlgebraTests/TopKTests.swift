import LinearAlgebra
import XCTest

final class TopKTests: XCTestCase {
    func testSelectionMatchesFullSortWithTiesByLowerIndex() {
        var generator = SeededGenerator(seed: 3)
        // Few distinct values so ties are common.
        let scores = (0..<500).map { _ in Float(generator.index(below: 20)) }
        let expected = scores.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
            .prefix(37).map { Int32($0.offset) }
        XCTAssertEqual(TopK.select(scores, k: 37).map(\.index), expected)
    }

    /// Rows long enough to be scanned sixteen at a time, with a tail, excluded entries and ties across blocks.
    func testLongRowsMatchFullSortWhateverTheLengthAndExclusions() {
        var generator = SeededGenerator(seed: 11)
        for length in [15, 16, 17, 100, 1_003, 5_000] {
            let scores = (0..<length).map { column -> Float in
                switch generator.index(below: 10) {
                case 0: return -.infinity
                case 1: return .nan
                default: return Float(generator.index(below: 50))
                }
            }
            let expected = scores.enumerated().filter { $0.element > -.infinity }
                .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
                .prefix(40).map { Int32($0.offset) }
            XCTAssertEqual(TopK.select(scores, k: 40).map(\.index), expected, "length \(length)")
        }
    }

    func testExcludedEntriesAreNeverSelected() {
        var scores = [Float](repeating: 1, count: 10)
        for index in 0..<8 { scores[index] = -.infinity }
        XCTAssertEqual(TopK.select(scores, k: 5).map(\.index), [8, 9])
    }

    func testBlockedRunAgreesWithPerRowSelection() {
        let rows = 37, columns = 53
        var generator = SeededGenerator(seed: 9)
        let matrix = (0..<rows * columns).map { _ in Float.random(in: -1...1, using: &generator) }
        let result = BlockedTopK.run(rows: rows, columns: columns, k: 5, blockRows: 8) { range, block in
            block = Array(matrix[range.lowerBound * columns ..< range.upperBound * columns])
        }
        for row in 0..<rows {
            let expected = TopK.select(Array(matrix[row * columns ..< (row + 1) * columns]), k: 5)
            XCTAssertEqual(result.row(row), expected)
        }
    }
}
