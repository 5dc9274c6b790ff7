import LinearAlgebra
import XCTest

final class BLASTests: XCTestCase {
    private func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix.random(rows: rows, columns: columns, scale: 1, using: &generator)
    }

    func testMultiplyByTransposeMatchesNaiveProduct() {
        let a = randomMatrix(7, 5, seed: 1), b = randomMatrix(4, 5, seed: 2)
        var product = [Float]()
        BLAS.multiply(a, rows: 2..<6, byTransposeOf: b, into: &product)
        for row in 0..<4 {
            for column in 0..<4 {
                let expected = (0..<5).reduce(Float(0)) { $0 + a[row + 2, $1] * b[column, $1] }
                XCTAssertEqual(product[row * 4 + column], expected, accuracy: 1e-5)
            }
        }
    }

    func testBlockedGramEqualsWholeGram() {
        let x = randomMatrix(23, 6, seed: 4)
        let whole = BLAS.gram(x)
        let blocked = BLAS.gram(rows: 23, columns: 6, blockRows: 5) { Array(x.storage[$0.lowerBound * 6 ..< $0.upperBound * 6]) }
        for index in whole.storage.indices { XCTAssertEqual(whole.storage[index], blocked.storage[index], accuracy: 1e-4) }
        for i in 0..<6 { for j in 0..<6 { XCTAssertEqual(whole[i, j], whole[j, i]) } }
    }

    func testInverseTimesMatrixIsIdentity() throws {
        var a = BLAS.gram(randomMatrix(30, 8, seed: 5))
        for d in 0..<8 { a[d, d] += 1 }
        let product = BLAS.multiply(a, try SymmetricPositiveDefinite.inverse(a))
        for i in 0..<8 { for j in 0..<8 { XCTAssertEqual(product[i, j], i == j ? 1 : 0, accuracy: 1e-3) } }
    }

    func testSolveThrowsForIndefiniteMatrix() {
        let a = Matrix(rows: 2, columns: 2, storage: [1, 2, 2, 1])
        XCTAssertThrowsError(try SymmetricPositiveDefinite.solve(a, Matrix(rows: 2, columns: 1, storage: [1, 1])))
    }
}
