/// One selected entry of a score row: column index and its score.
public struct IndexedScore: Sendable, Hashable {
    public var index: Int32
    public var score: Float

    public init(index: Int32, score: Float) {
        self.index = index
        self.score = score
    }
}

/// Partial selection of the k largest scores in a row in O(n log k), instead of sorting all n.
/// Entries equal to `-Float.infinity` (or NaN) are treated as excluded (callers mask seen items that way);
/// ties go to the lower index so results are deterministic.
public enum TopK {
    public static func select(_ scores: UnsafeBufferPointer<Float>, k: Int) -> [IndexedScore] {
        guard k > 0 else { return [] }
        // A min-heap on (score, -index): the root is the weakest kept entry, so most candidates are
        // rejected by a single comparison against it.
        var heapScores = [Float](repeating: 0, count: k), heapIndices = [Int32](repeating: 0, count: k)
        var kept = 0
        heapScores.withUnsafeMutableBufferPointer { heapScores in
            heapIndices.withUnsafeMutableBufferPointer { heapIndices in
                var column = 0
                let n = scores.count
                while column < n && kept < k {
                    let score = scores[column]
                    if score > -.infinity {
                        heapScores[kept] = score; heapIndices[kept] = Int32(column)
                        kept += 1
                        siftUp(heapScores, heapIndices, kept - 1)
                    }
                    column += 1
                }
                guard kept == k else { return }
                var floor = heapScores[0]
                while column < n {
                    let score = scores[column]
                    // Equal scores never displace: the earlier (lower) index already in the heap wins the tie.
                    if score > floor {
                        heapScores[0] = score; heapIndices[0] = Int32(column)
                        siftDown(heapScores, heapIndices, count: k)
                        floor = heapScores[0]
                    }
                    column += 1
                }
            }
        }
        // Popping the weakest entry fills the result from its end: strongest first, ties by lower index.
        return [IndexedScore](unsafeUninitializedCapacity: kept) { result, count in
            heapScores.withUnsafeMutableBufferPointer { heapScores in
                heapIndices.withUnsafeMutableBufferPointer { heapIndices in
                    for remaining in stride(from: kept, to: 0, by: -1) {
                        result.initializeElement(at: remaining - 1, to: IndexedScore(index: heapIndices[0], score: heapScores[0]))
                        heapScores[0] = heapScores[remaining - 1]; heapIndices[0] = heapIndices[remaining - 1]
                        siftDown(heapScores, heapIndices, count: remaining - 1)
                    }
                }
            }
            count = kept
        }
    }

    public static func select(_ scores: [Float], k: Int) -> [IndexedScore] {
        scores.withUnsafeBufferPointer { select($0, k: k) }
    }

    /// Heap order: `a` is weaker than `b` when it scores lower, or scores the same with a higher index.
    @inline(__always)
    static func weaker(_ scoreA: Float, _ indexA: Int32, _ scoreB: Float, _ indexB: Int32) -> Bool {
        scoreA < scoreB || (scoreA == scoreB && indexA > indexB)
    }

    static func siftUp(_ scores: UnsafeMutableBufferPointer<Float>, _ indices: UnsafeMutableBufferPointer<Int32>, _ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard weaker(scores[child], indices[child], scores[parent], indices[parent]) else { return }
            scores.swapAt(child, parent); indices.swapAt(child, parent)
            child = parent
        }
    }

    static func siftDown(_ scores: UnsafeMutableBufferPointer<Float>, _ indices: UnsafeMutableBufferPointer<Int32>, count: Int) {
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            var weakest = left
            let right = left + 1
            if right < count && weaker(scores[right], indices[right], scores[left], indices[left]) { weakest = right }
            guard weaker(scores[weakest], indices[weakest], scores[parent], indices[parent]) else { return }
            scores.swapAt(weakest, parent); indices.swapAt(weakest, parent)
            parent = weakest
        }
    }
}
