import Foundation

/// Time-decayed genre sums over a user's whole history, maintained incrementally (per ingest batch, in SQL:
/// `sql/005_stream_profiles.sql`) and turned into affinities at read time.
///
/// Every event weighs `d = 2^((t − origin) / halfLife)`. Summing against a fixed origin instead of "now" keeps
/// the sums exact when events arrive out of order; multiplying every weight by the same `2^(−now/halfLife)`
/// would not change their ratios, so affinities decay exactly as "half weight per half-life of age".
/// Ratings are centred on the user's *current* mean at read time, which is why the sums are kept separately.
public struct GenreWeights: Sendable, Hashable {
    public struct Sums: Sendable, Hashable {
        /// Σ d over ratings.
        public var rated: Double
        /// Σ rating·d over ratings.
        public var rating: Double
        /// Σ d over implicit events.
        public var implicit: Double

        public init(rated: Double = 0, rating: Double = 0, implicit: Double = 0) {
            self.rated = rated
            self.rating = rating
            self.implicit = implicit
        }

        public mutating func add(_ other: Sums) {
            rated += other.rated
            rating += other.rating
            implicit += other.implicit
        }
    }

    /// Shared with the SQL that maintains the sums; changing either requires recomputing the stored sums.
    public static let halfLifeDays = 90.0
    /// 2000-01-01T00:00:00Z: keeps d within Double range for events from about 1750 to 2250.
    public static let origin = 946_684_800.0

    public var sums: [String: Sums]

    public init(sums: [String: Sums] = [:]) { self.sums = sums }

    public var isEmpty: Bool { sums.isEmpty }

    public static func decay(at timestamp: Double) -> Double {
        exp2((timestamp - origin) / (halfLifeDays * 86_400))
    }

    /// Adds one event, as the ingest statement does.
    public mutating func add(genres: [String], type: InteractionType, value: Double, timestamp: Double) {
        let d = Self.decay(at: timestamp)
        for genre in genres {
            if type == .rating {
                sums[genre, default: Sums()].rated += d
                sums[genre, default: Sums()].rating += value * d
            } else {
                sums[genre, default: Sums()].implicit += d
            }
        }
    }

    /// Positive affinities, strongest first (ties by name), scaled so the strongest is 1. Each rating counts
    /// `rating − mean + 1` (a rating one below the mean counts nothing), each implicit event 1, all decayed.
    public func affinity(ratingMean: Double?) -> [(genre: String, weight: Double)] {
        let mean = ratingMean ?? 3
        let raw = sums.map { genre, sums in (genre, sums.rating - (mean - 1) * sums.rated + sums.implicit) }
            .filter { $0.1 > 0 }
        guard let strongest = raw.map(\.1).max() else { return [] }
        return raw.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map { (genre: $0.0, weight: $0.1 / strongest) }
    }
}
