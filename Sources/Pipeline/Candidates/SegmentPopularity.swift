/// Popularity within a demographic segment (gender × age band): what a user the models know nothing about
/// is shown, so a new 18–24-year-old sees what their peers watch rather than the global chart.
public struct SegmentPopularity: Sendable {
    private var segments: [String: PopularityModel]
    private let global: PopularityModel

    public static func segment(of user: UserDemographics?) -> String {
        guard let user else { return "unknown" }
        return "\(user.gender ?? "?")|\(user.ageBand)"
    }

    public init(data: InteractionData, users: [UserDemographics]) {
        let segmentByUser = Dictionary(users.map { ($0.id, Self.segment(of: $0)) }, uniquingKeysWith: { _, last in last })
        var counts = [String: [Int: Double]]()
        for user in 0..<data.userCount {
            guard let segment = segmentByUser[data.users.id(at: user)] else { continue }
            for item in data.userItems[user] { counts[segment, default: [:]][data.items.id(at: Int(item)), default: 0] += 1 }
        }
        segments = counts.mapValues { PopularityModel(counts: $0) }
        global = PopularityModel(data: data)
    }

    /// The segment's most popular items not in `excluded`, topped up from global popularity.
    public func top(_ limit: Int, for user: UserDemographics?, excluding excluded: Set<Int>) -> [ScoredItem] {
        var result = segments[Self.segment(of: user)]?.top(limit, excluding: excluded) ?? []
        if result.count < limit {
            let taken = excluded.union(result.map(\.itemID))
            result += global.top(limit - result.count, excluding: taken)
        }
        return result
    }
}
