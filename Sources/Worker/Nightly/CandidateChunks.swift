/// Scores users in fixed groups of the plan's order, whatever the write batches are.
///
/// A batched BLAS product can differ in the last bit of a float with the batch's shape, so scoring "the users
/// still pending" would let a resumed run's scores drift from an uninterrupted run's. Scoring always the same
/// groups (positions 0..<100, 100..<200, … of the plan) makes every user's scores independent of where a run
/// was interrupted or how large its write batches are.
struct CandidateChunks {
    static let size = 100

    private let ranker: NightlyRanker
    private let order: [Int]
    private let positions: [Int: Int]
    private var cached: (chunk: Int, lists: [Int: CandidateList])?

    init(ranker: NightlyRanker, order: [Int]) {
        self.ranker = ranker
        self.order = order
        positions = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
    }

    /// Lists for `users`, scoring each chunk they fall in once (the latest chunk is kept for the next batch).
    mutating func lists(for users: [Int]) -> [Int: CandidateList] {
        var result = [Int: CandidateList]()
        for user in users {
            let chunk = positions[user]! / Self.size
            if cached?.chunk != chunk {
                let members = Array(order[chunk * Self.size ..< min((chunk + 1) * Self.size, order.count)])
                cached = (chunk, Dictionary(uniqueKeysWithValues: zip(members, ranker.candidateLists(members))))
            }
            result[user] = cached!.lists[user]
        }
        return result
    }
}
