import CBLAS

/// LAPACK routines for symmetric positive-definite systems (regularised Gram matrices): EASE's inverse and
/// exact least-squares solves.
public enum SymmetricPositiveDefinite {
    public struct NotPositiveDefinite: Error, CustomStringConvertible {
        public let routine: String
        public let info: Int32
        public var description: String {
            // LAPACKE reports NaN entries as an illegal argument (negative info): the inputs, not λ, are at fault.
            info < 0
                ? "\(routine) failed (info \(info)): the matrix holds NaN entries; a model input was not finite"
                : "\(routine) failed (info \(info)): the matrix is not positive definite; increase the regularisation (λ)"
        }
    }

    /// The inverse of a symmetric positive-definite matrix via Cholesky (`spotrf` + `spotri`).
    public static func inverse(_ a: Matrix) throws -> Matrix {
        precondition(a.rows == a.columns, "inverse needs a square matrix, got \(a.rows)×\(a.columns)")
        var result = a
        let n = Int32(a.rows)
        let info = result.storage.withUnsafeMutableBufferPointer { buffer -> (String, Int32) in
            let factor = LAPACKE_spotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), n, buffer.baseAddress, n)
            if factor != 0 { return ("spotrf", factor) }
            return ("spotri", LAPACKE_spotri(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), n, buffer.baseAddress, n))
        }
        guard info.1 == 0 else { throw NotPositiveDefinite(routine: info.0, info: info.1) }
        result.mirrorUpperToLower()
        return result
    }

    /// Solves `A·X = B` for X (A n×n symmetric positive definite, B n×m) via `sposv`.
    public static func solve(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        precondition(a.rows == a.columns && a.rows == b.rows, "solve needs A n×n and B n×m")
        var factor = a
        var x = b
        let n = Int32(a.rows), m = Int32(b.columns)
        let info = factor.storage.withUnsafeMutableBufferPointer { aBuffer in
            x.storage.withUnsafeMutableBufferPointer { xBuffer in
                LAPACKE_sposv(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), n, m, aBuffer.baseAddress, n, xBuffer.baseAddress, m)
            }
        }
        guard info == 0 else { throw NotPositiveDefinite(routine: "sposv", info: info) }
        return x
    }
}
