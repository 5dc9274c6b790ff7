/// When a user is active: events per UTC weekday and hour (ISO weekdays, 1 = Monday … 7 = Sunday).
public struct ActivityHistogram: Sendable, Hashable {
    /// 7 × 24 counts, index `(weekday − 1) · 24 + hour`.
    public private(set) var counts: [Int]

    public init() { counts = [Int](repeating: 0, count: 7 * 24) }

    public var total: Int { counts.reduce(0, +) }
    public var isEmpty: Bool { total == 0 }

    public mutating func add(weekday: Int, hour: Int, events: Int = 1) {
        precondition((1...7).contains(weekday) && (0..<24).contains(hour), "weekday 1...7, hour 0..<24")
        counts[(weekday - 1) * 24 + hour] += events
    }

    /// Adds an event at `timestamp` (seconds since the epoch, UTC), as the ingest statement does.
    public mutating func add(timestamp: Double) {
        let seconds = Int64(timestamp.rounded(.down))
        let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        // 1970-01-01 was a Thursday (ISO weekday 4).
        let weekday = Int(((day + 3) % 7 + 7) % 7) + 1
        let hour = Int((seconds - day * 86_400) / 3_600)
        add(weekday: weekday, hour: hour)
    }

    public func events(hour: Int) -> Int { (1...7).reduce(0) { $0 + counts[($1 - 1) * 24 + hour] } }
    public func events(weekday: Int) -> Int { counts[(weekday - 1) * 24 ..< weekday * 24].reduce(0, +) }

    /// The busiest hour of day (earliest on ties), nil without events.
    public var peakHour: Int? {
        guard !isEmpty else { return nil }
        return (0..<24).max { events(hour: $0) != events(hour: $1) ? events(hour: $0) < events(hour: $1) : $0 > $1 }
    }

    public enum PartOfDay: String, Sendable, CaseIterable {
        case night, morning, afternoon, evening
        var hours: Range<Int> {
            switch self {
            case .night: 0..<6
            case .morning: 6..<12
            case .afternoon: 12..<18
            case .evening: 18..<24
            }
        }
    }

    /// The six-hour block with the most events (earliest on ties), nil without events.
    public var busiestPartOfDay: PartOfDay? {
        guard !isEmpty else { return nil }
        let totals = PartOfDay.allCases.map { part in part.hours.reduce(0) { $0 + events(hour: $1) } }
        let best = totals.max()!
        return PartOfDay.allCases[totals.firstIndex(of: best)!]
    }

    /// Share of events on Saturday and Sunday (0…1), nil without events.
    public var weekendShare: Double? {
        guard !isEmpty else { return nil }
        return Double(events(weekday: 6) + events(weekday: 7)) / Double(total)
    }
}
