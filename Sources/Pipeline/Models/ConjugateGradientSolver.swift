import LinearAlgebra

/// Solves one ALS row system `(G + Σ_j (c_j − 1) y_j y_jᵀ) x = Σ_j c_j y_j` by conjugate gradient without
/// forming the matrix: G = YᵀY + λI is shared, the rank-|neighbours| correction is applied on the fly.
/// Holds its scratch vectors so a chunk of rows reuses them.
struct ConjugateGradientSolver {
    let factors: Int
    let gram: UnsafePointer<Float>
    let fixed: UnsafePointer<Float>
    private var residual: [Float]
    private var direction: [Float]
    private var product: [Float]

    init(factors: Int, gram: UnsafePointer<Float>, fixed: UnsafePointer<Float>) {
        self.factors = factors
        self.gram = gram
        self.fixed = fixed
        residual = [Float](repeating: 0, count: factors)
        direction = residual
        product = residual
    }

    mutating func solve(_ x: UnsafeMutablePointer<Float>, neighbours: [Int32], confidences: [Float], steps: Int) {
        let f = factors
        // r = b − A·x
        apply(to: UnsafePointer(x), neighbours: neighbours, confidences: confidences, into: &product)
        for d in 0..<f { residual[d] = -product[d] }
        for (index, neighbour) in neighbours.enumerated() {
            let y = fixed + Int(neighbour) * f
            residual.withUnsafeMutableBufferPointer { VectorKernels.axpy(confidences[index], y, $0.baseAddress!, f) }
        }
        direction = residual
        var residualNorm = dot(residual, residual)
        for _ in 0..<steps {
            guard residualNorm > 1e-10 else { return }
            direction.withUnsafeBufferPointer { d in
                apply(to: d.baseAddress!, neighbours: neighbours, confidences: confidences, into: &product)
            }
            let stepSize = residualNorm / dot(direction, product)
            for d in 0..<f {
                x[d] += stepSize * direction[d]
                residual[d] -= stepSize * product[d]
            }
            let nextNorm = dot(residual, residual)
            let momentum = nextNorm / residualNorm
            for d in 0..<f { direction[d] = residual[d] + momentum * direction[d] }
            residualNorm = nextNorm
        }
    }

    /// out = G·v + Σ_j (c_j − 1)(y_j·v) y_j
    private func apply(to v: UnsafePointer<Float>, neighbours: [Int32], confidences: [Float], into out: inout [Float]) {
        let f = factors
        out.withUnsafeMutableBufferPointer { buffer in
            let o = buffer.baseAddress!
            for d in 0..<f { o[d] = VectorKernels.dot(gram + d * f, v, f) }
            for (index, neighbour) in neighbours.enumerated() {
                let y = fixed + Int(neighbour) * f
                let weight = (confidences[index] - 1) * VectorKernels.dot(y, v, f)
                if weight != 0 { VectorKernels.axpy(weight, y, o, f) }
            }
        }
    }

    private func dot(_ a: [Float], _ b: [Float]) -> Float {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in VectorKernels.dot(x.baseAddress!, y.baseAddress!, x.count) } }
    }
}
