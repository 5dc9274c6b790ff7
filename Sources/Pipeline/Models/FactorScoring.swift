import LinearAlgebra

/// Scores for latent-factor models: `userFactors[users] · itemFactorsᵀ (+ item bias)` as one `sgemm` per
/// block. Users or items beyond the factor tables (not folded in yet) score 0.
enum FactorScoring {
    static func score(users: [Int], userFactors: Matrix, itemFactors: Matrix, itemBias: [Float]?,
                      itemCount: Int, into scores: inout [Float]) {
        var gathered = Matrix(rows: users.count, columns: userFactors.columns)
        for (slot, user) in users.enumerated() where user < userFactors.rows {
            gathered.setRow(slot, to: userFactors.row(user))
        }
        let known = itemFactors.rows
        if known == itemCount, itemBias == nil {
            BLAS.multiply(gathered, rows: 0 ..< users.count, byTransposeOf: itemFactors, into: &scores)
            return
        }
        var product = [Float]()
        BLAS.multiply(gathered, rows: 0 ..< users.count, byTransposeOf: itemFactors, into: &product)
        scores.resetToZeros(count: users.count * itemCount)
        for slot in 0..<users.count {
            for item in 0..<min(known, itemCount) {
                scores[slot * itemCount + item] = product[slot * known + item] + (itemBias?[item] ?? 0)
            }
        }
    }
}
