/// SeededGenerator: a tiny, fast generator whose sequence depends only on the seed, so training is reproducible
/// across runs and platforms (Swift's `SystemRandomNumberGenerator` cannot be seeded).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform index in `0..<bound` without the cost of `Int.random(in:)`'s rejection loop (bias < 2⁻³²).
    @inline(__always)
    public mutating func index(below bound: Int) -> Int {
        Int(((next() >> 32) &* UInt64(bound)) >> 32)
    }

    /// A uniform value in `0..<1` with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
