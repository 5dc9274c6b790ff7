import LinearAlgebra

/// How many users interacted with both items of each pair (dense, symmetric), plus each item's user count.
/// Grows geometrically when new items arrive so that streaming new items does not copy items² per batch.
struct CooccurrenceCounts: Sendable {
    private(set) var capacity: Int
    private var counts: [Float]
    var itemTotals: [Float]

    init(data: InteractionData) {
        let n = data.itemCount
        let gram = BLAS.gram(rows: data.userCount, columns: n) { data.binaryRows($0) }
        capacity = n
        counts = gram.storage
        itemTotals = data.itemUsers.map { Float($0.count) }
        for item in 0..<n { counts[item * n + item] = 0 }
    }

    subscript(a: Int, b: Int) -> Float { counts[a * capacity + b] }

    mutating func increment(_ a: Int, _ b: Int) {
        counts[a * capacity + b] += 1
        counts[b * capacity + a] += 1
    }

    mutating func grow(to itemCount: Int) {
        while itemTotals.count < itemCount { itemTotals.append(0) }
        guard itemCount > capacity else { return }
        let newCapacity = max(itemCount, capacity * 3 / 2 + 16)
        var grown = [Float](repeating: 0, count: newCapacity * newCapacity)
        for row in 0..<capacity {
            for column in 0..<capacity { grown[row * newCapacity + column] = counts[row * capacity + column] }
        }
        counts = grown
        capacity = newCapacity
    }
}
