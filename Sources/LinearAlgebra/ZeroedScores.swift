extension Array where Element == Float {
    /// Makes this `count` zeros, reusing the storage when it already holds that many: a block of scores is
    /// megabytes, and a fresh allocation per block paid page faults and a second clear.
    public mutating func resetToZeros(count: Int) {
        if self.count == count {
            withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            self = [Float](repeating: 0, count: count)
        }
    }
}
