/// All-rows top-k over a score matrix too large to hold (e.g. 138k users × 27k items): scores are produced
/// one block of rows at a time by `fill` (typically one `sgemm` on OpenBLAS's threads), then each row of the
/// block is reduced to its top k on both cores. Memory stays at one block.
public enum BlockedTopK {
    public struct Result: Sendable {
        public let k: Int
        /// Row-major `rows × k`; rows with fewer than k selectable columns are padded with index -1.
        public var indices: [Int32]
        public var scores: [Float]

        public func row(_ row: Int) -> [IndexedScore] {
            (row * k ..< (row + 1) * k).compactMap { indices[$0] >= 0 ? IndexedScore(index: indices[$0], score: scores[$0]) : nil }
        }
    }

    /// - Parameters:
    ///   - fill: writes the scores of rows `range` into the buffer (row-major, `range.count × columns`),
    ///     with excluded entries set to `-Float.infinity`.
    public static func run(rows: Int, columns: Int, k: Int, blockRows: Int = 2048,
                           fill: (Range<Int>, inout [Float]) -> Void) -> Result {
        var indices = [Int32](repeating: -1, count: rows * k)
        var scores = [Float](repeating: -.infinity, count: rows * k)
        var block = [Float](repeating: 0, count: min(blockRows, rows) * columns)
        var start = 0
        while start < rows {
            let range = start ..< min(rows, start + blockRows)
            if block.count != range.count * columns { block = [Float](repeating: 0, count: range.count * columns) }
            fill(range, &block)
            block.withUnsafeBufferPointer { blockBuffer in
                indices.withUnsafeMutableBufferPointer { indexBuffer in
                    scores.withUnsafeMutableBufferPointer { scoreBuffer in
                        let source = SendableConstPointer(blockBuffer.baseAddress!)
                        let indexOut = SendablePointer(indexBuffer.baseAddress!)
                        let scoreOut = SendablePointer(scoreBuffer.baseAddress!)
                        Parallel.forEachChunk(range.count) { local in
                            for row in local {
                                let selected = TopK.select(UnsafeBufferPointer(start: source.pointer + row * columns, count: columns), k: k)
                                let base = (range.lowerBound + row) * k
                                for (slot, entry) in selected.enumerated() {
                                    indexOut.pointer[base + slot] = entry.index
                                    scoreOut.pointer[base + slot] = entry.score
                                }
                            }
                        }
                    }
                }
            }
            start = range.upperBound
        }
        return Result(k: k, indices: indices, scores: scores)
    }
}

public struct SendableConstPointer<T>: @unchecked Sendable {
    public let pointer: UnsafePointer<T>
    public init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}
