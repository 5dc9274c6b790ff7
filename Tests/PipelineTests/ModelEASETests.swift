import LinearAlgebra
import Pipeline
import XCTest

final class ModelEASETests: XCTestCase {
    /// EASE's closed form must equal B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹ computed independently
    /// here by Gauss–Jordan elimination in Double.
    func testWeightsMatchDirectSolve() throws {
        let blocks = PlantedBlocks(groups: 2, usersPerGroup: 6, itemsPerGroup: 5, density: 0.6, seed: 4)
        let data = InteractionData(ratings: blocks.ratings, catalogue: blocks.allItemIDs)
        let lambda = 3.0
        let model = try EASEModel(data: data, configuration: .init(regularization: Float(lambda)))
        let n = data.itemCount
        var gram = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for items in data.userItems {
            for a in items { for b in items { gram[Int(a)][Int(b)] += 1 } }
        }
        for d in 0..<n { gram[d][d] += lambda }
        let inverse = Self.invert(gram)
        for i in 0..<n {
            for j in 0..<n {
                let expected = i == j ? 0 : -inverse[i][j] / inverse[j][j]
                XCTAssertEqual(Double(model.weights[i, j]), expected, accuracy: 1e-4, "B[\(i),\(j)]")
            }
        }
    }

    static func invert(_ matrix: [[Double]]) -> [[Double]] {
        let n = matrix.count
        var a = matrix.enumerated().map { row, values in values + (0..<n).map { $0 == row ? 1.0 : 0.0 } }
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            a.swapAt(column, pivot)
            let divisor = a[column][column]
            a[column] = a[column].map { $0 / divisor }
            for row in 0..<n where row != column {
                let factor = a[row][column]
                a[row] = zip(a[row], a[column]).map { $0 - factor * $1 }
            }
        }
        return a.map { Array($0[n...]) }
    }
}
