/// The ranges event contract v1 accepts, beyond its JSON shape. Everything the worker stores or feeds to a
/// model comes through these bounds, so no accepted event can overflow a column, a timestamp, a decay weight
/// or a solver: a message outside them is dead-lettered with a reason naming the field and the rule.
/// The README's "Event contract v1" table states the same ranges.
public struct EventContract: Sendable, Hashable {
    /// Ids fit PostgreSQL `integer` and the models' 32-bit indexes.
    public static let idRange: ClosedRange<Int> = 1...Int(Int32.max)
    /// Whole payloads larger than this are refused before parsing.
    public static let maxPayloadBytes = 16 * 1024
    /// `event_id` length in UTF-8 bytes.
    public static let eventIDBytes: ClosedRange<Int> = 1...200
    /// Numeric ids sent as strings ("42") are at most this long; longer strings cannot be a valid id.
    static let maxIDStringBytes = 20

    /// The documented meaning and bounds of `value` per type. Every bound fits PostgreSQL `real` and keeps
    /// model weights finite; the defaults apply when `value` is absent or null.
    public static func valueRange(for type: InteractionType) -> ClosedRange<Double> {
        switch type {
        case .rating: 1...5                 // stars
        case .watch: 0...1                  // fraction of the item watched
        case .purchase: 0...1_000_000       // amount paid, any currency unit
        case .view, .click: 0...1_000       // a weight or a count of repeats
        }
    }

    /// Implicit types default to 1 (one view, a whole watch, one unit bought); a rating has no default.
    public static func defaultValue(for type: InteractionType) -> Double? {
        type == .rating ? nil : 1
    }

    /// Earliest accepted event time, in epoch seconds (default 0: 1970-01-01).
    public var earliestTimestamp: Double
    /// How far past the decoder's clock an event time may lie (clock skew between producers), in seconds.
    public var maxFutureSeconds: Double

    public init(earliestTimestamp: Double = 0, maxFutureSeconds: Double = 86_400) {
        self.earliestTimestamp = earliestTimestamp
        self.maxFutureSeconds = maxFutureSeconds
    }

    /// Accepted event times when the clock reads `now` (epoch seconds).
    public func timestampWindow(now: Double) -> ClosedRange<Double> {
        earliestTimestamp...max(earliestTimestamp, now + maxFutureSeconds)
    }

    /// True for the characters text fields may not hold: C0 and C1 controls and DEL (NUL among them, which
    /// PostgreSQL text cannot store at all).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
