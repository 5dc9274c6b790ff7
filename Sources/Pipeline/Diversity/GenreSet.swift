/// An item's genres as a bit set, so list diversity compares two items with two popcounts.
public struct GenreSet: Sendable, Hashable {
    public let bits: UInt64

    public init(bits: UInt64) { self.bits = bits }

    /// Known MovieLens genres get fixed bits; any other name hashes onto one (stable within a process, which is
    /// all a comparison between two items needs).
    public init(_ genres: [String]) {
        var bits: UInt64 = 0
        for genre in genres {
            let bit = Self.bitByName[genre] ?? Int(UInt(bitPattern: genre.hashValue) % 64)
            bits |= 1 << UInt64(bit)
        }
        self.bits = bits
    }

    private static let bitByName = Dictionary(uniqueKeysWithValues: MovieLensDataset.genreNames.enumerated().map { ($1, $0) })

    public var count: Int { bits.nonzeroBitCount }

    /// Cosine similarity of the two genre indicator vectors (0 when either has no genre).
    public func similarity(to other: GenreSet) -> Double {
        guard count > 0, other.count > 0 else { return 0 }
        return Double((bits & other.bits).nonzeroBitCount) / (Double(count) * Double(other.count)).squareRoot()
    }
}
