/// Accuracy per demographic group (gender, age band, occupation) for every evaluated model, and the gap
/// between its best and worst group: the fairness check the study's ethics section asks for.
public struct GroupBreakdown: Sendable {
    /// A way of putting users into groups; users it returns nil for are left out of that grouping.
    public struct Grouping: Sendable {
        public var name: String
        public var group: @Sendable (UserDemographics) -> String?

        public init(name: String, group: @escaping @Sendable (UserDemographics) -> String?) {
            self.name = name
            self.group = group
        }

        public static let gender = Grouping(name: "gender") { $0.gender }
        public static let ageBand = Grouping(name: "age band") { $0.age == nil ? nil : $0.ageBand }
        public static let occupation = Grouping(name: "occupation") { $0.occupation }
        public static let standard = [gender, ageBand, occupation]
    }

    public struct Row: Sendable, Hashable, Codable {
        public var model: String
        public var grouping: String
        public var group: String
        public var users: Int
        public var metrics: RankingMetrics
        /// Mean list quality of the group's users, when the evaluation measured it.
        public var quality: ListQuality?
    }

    /// Best and worst group of one model under one grouping, by NDCG, among groups with enough users.
    public struct Gap: Sendable, Hashable, Codable {
        public var model: String
        public var grouping: String
        public var bestGroup: String
        public var bestNDCG: Double
        public var worstGroup: String
        public var worstNDCG: Double
        public var gap: Double { bestNDCG - worstNDCG }
    }

    /// Every group of every grouping, per model, in model order then grouping order then group name.
    public var rows: [Row]
    public var gaps: [Gap]
    /// Groups with fewer evaluated users than this are listed in `rows` but not compared in `gaps`: with a
    /// handful of users a group's mean is mostly noise.
    public var minimumGroupSize: Int

    public init(results: [TopNEvaluator.ModelResult], users: [UserDemographics],
                groupings: [Grouping] = Grouping.standard, minimumGroupSize: Int = 20) {
        let demographics = Dictionary(users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.minimumGroupSize = minimumGroupSize
        rows = []
        gaps = []
        for result in results {
            for grouping in groupings {
                var members = [String: [TopNEvaluator.UserResult]]()
                for user in result.users {
                    guard let person = demographics[user.userID], let group = grouping.group(person) else { continue }
                    members[group, default: []].append(user)
                }
                let groupRows = members.keys.sorted().map { group in
                    Row(model: result.name, grouping: grouping.name, group: group, users: members[group]!.count,
                        metrics: .mean(members[group]!.map(\.metrics)), quality: ListQuality.mean(members[group]!.compactMap(\.quality)))
                }
                rows += groupRows
                let compared = groupRows.filter { $0.users >= minimumGroupSize }
                // Ties go to the alphabetically first group so the summary is stable.
                guard let best = compared.max(by: { $0.metrics.ndcg < $1.metrics.ndcg }),
                      let worst = compared.min(by: { $0.metrics.ndcg < $1.metrics.ndcg }) else { continue }
                gaps.append(Gap(model: result.name, grouping: grouping.name, bestGroup: best.group, bestNDCG: best.metrics.ndcg,
                                worstGroup: worst.group, worstNDCG: worst.metrics.ndcg))
            }
        }
    }
}
