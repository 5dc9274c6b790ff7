import CBLAS

/// The few BLAS level-3 operations the models need, on row-major `Float` storage.
/// Every call goes to OpenBLAS (pthreads build): set its thread count with `BLASBackend.setThreads`.
public enum BLAS {
    /// `C = A[rows] · Bᵀ` where A and B share their column count (e.g. user factors × item factors).
    /// `result` is resized to `rows.count × b.rows`, row-major.
    public static func multiply(_ a: Matrix, rows: Range<Int>, byTransposeOf b: Matrix, into result: inout [Float]) {
        precondition(a.columns == b.columns, "inner dimensions differ: \(a.columns) vs \(b.columns)")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= a.rows, "row range \(rows) outside 0..<\(a.rows)")
        let m = rows.count, n = b.rows, k = a.columns
        if result.count != m * n { result = [Float](repeating: 0, count: m * n) }
        guard m > 0, n > 0, k > 0 else { return }
        a.storage.withUnsafeBufferPointer { aBuffer in
            b.storage.withUnsafeBufferPointer { bBuffer in
                result.withUnsafeMutableBufferPointer { cBuffer in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1,
                                aBuffer.baseAddress! + rows.lowerBound * k, Int32(k),
                                bBuffer.baseAddress!, Int32(k), 0, cBuffer.baseAddress!, Int32(n))
                }
            }
        }
    }

    /// `C = A · B` for row-major A (m×k) and B (k×n): e.g. a block of user rows of X times EASE's B.
    public static func multiply(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "inner dimensions differ: \(a.columns) vs \(b.rows)")
        var c = Matrix(rows: a.rows, columns: b.columns)
        guard a.rows > 0, b.columns > 0, a.columns > 0 else { return c }
        a.storage.withUnsafeBufferPointer { aBuffer in
            b.storage.withUnsafeBufferPointer { bBuffer in
                c.storage.withUnsafeMutableBufferPointer { cBuffer in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(a.rows), Int32(b.columns), Int32(a.columns), 1,
                                aBuffer.baseAddress!, Int32(a.columns), bBuffer.baseAddress!, Int32(b.columns),
                                0, cBuffer.baseAddress!, Int32(b.columns))
                }
            }
        }
        return c
    }

    /// The Gram matrix `Xᵀ·X` (columns × columns), symmetric and fully filled: item co-occurrence when X is the
    /// user×item interaction matrix, `YᵀY` when X is a factor table.
    public static func gram(_ x: Matrix) -> Matrix {
        let n = x.columns
        var g = Matrix(rows: n, columns: n)
        guard n > 0, x.rows > 0 else { return g }
        x.storage.withUnsafeBufferPointer { xBuffer in
            g.storage.withUnsafeMutableBufferPointer { gBuffer in
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(x.rows), 1,
                            xBuffer.baseAddress!, Int32(n), 0, gBuffer.baseAddress!, Int32(n))
            }
        }
        g.mirrorUpperToLower()
        return g
    }
}

extension BLAS {
    /// `Xᵀ·X` for an X too large to materialise: `fill(range)` returns rows `range` of X (row-major,
    /// `range.count × columns`) and each block is accumulated with `ssyrk`.
    public static func gram(rows: Int, columns: Int, blockRows: Int = 1024, fill: (Range<Int>) -> [Float]) -> Matrix {
        var g = Matrix(rows: columns, columns: columns)
        guard columns > 0 else { return g }
        var start = 0
        while start < rows {
            let range = start ..< min(rows, start + blockRows)
            let block = fill(range)
            precondition(block.count == range.count * columns, "block has \(block.count) values, expected \(range.count * columns)")
            block.withUnsafeBufferPointer { xBuffer in
                g.storage.withUnsafeMutableBufferPointer { gBuffer in
                    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(range.count), 1,
                                xBuffer.baseAddress!, Int32(columns), 1, gBuffer.baseAddress!, Int32(columns))
                }
            }
            start = range.upperBound
        }
        g.mirrorUpperToLower()
        return g
    }
}

extension Matrix {
    /// Copies the upper triangle onto the lower one (BLAS/LAPACK symmetric routines fill only one half).
    mutating func mirrorUpperToLower() {
        precondition(rows == columns, "only a square matrix can be symmetric")
        let n = rows
        storage.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<n {
                for j in 0..<i { buffer[i * n + j] = buffer[j * n + i] }
            }
        }
    }
}
