import Foundation
import LinearAlgebra

/// Fine-tuning data in the study's recipe: for each sampled user, the rerank prompt built from their
/// earlier ratings, and as the target the ranking their held-out (later) ratings say was right, with
/// explanations. Written as OpenAI chat fine-tuning JSONL, or as DPO preference pairs whose rejected
/// answer is the candidate model's own order.
public struct FinetuneExamples: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case chat
        case dpo
    }

    public var prompt: PromptConfig
    /// Latest ratings per user held out as the target.
    public var heldOut: Int
    /// Candidates per prompt: the held-out items plus the most popular unseen items.
    public var candidates: Int
    /// Ranked entries in the target.
    public var limit: Int
    /// A held-out rating at or above this counts as liked.
    public var likedThreshold: Float

    public init(prompt: PromptConfig = PromptConfig(), heldOut: Int = 10, candidates: Int = 20, limit: Int = 10, likedThreshold: Float = 4) {
        self.prompt = prompt
        self.heldOut = heldOut
        self.candidates = candidates
        self.limit = limit
        self.likedThreshold = likedThreshold
    }

    /// One JSONL line per user for `users` users, drawn with `seed` among those with enough history
    /// (users whose held-out ratings contain nothing liked have no ideal ranking and are skipped).
    public func lines(dataset: MovieLensDataset, users: Int, seed: UInt64, format: Format) -> [String] {
        let items = Dictionary(dataset.items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let byUser = Dictionary(grouping: dataset.ratings, by: \.userID)
        let eligible = Set(byUser.filter { $0.value.count >= heldOut + prompt.minHistory + 1 }.keys)

        // Popularity without any eligible user's held-out ratings: no target leaks into the candidates.
        var counts = [Int: Double]()
        for (user, ratings) in byUser {
            let kept = eligible.contains(user) ? Array(Self.chronological(ratings).dropLast(heldOut)) : ratings
            for rating in kept { counts[rating.itemID, default: 0] += 1 }
        }
        let popularity = PopularityModel(counts: counts)
        let demographics = Dictionary(dataset.users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        var generator = SeededGenerator(seed: seed)
        var lines = [String]()
        for user in eligible.sorted().shuffled(using: &generator) where lines.count < users {
            let ratings = Self.chronological(byUser[user] ?? [])
            let profile = Self.profile(userID: user, ratings: Array(ratings.dropLast(heldOut)), items: items, demographics: demographics[user])
            if let line = example(profile: profile, target: Array(ratings.suffix(heldOut)), popularity: popularity, counts: counts, items: items, format: format) {
                lines.append(line)
            }
        }
        return lines
    }

    func example(
        profile: UserProfile, target: [Rating], popularity: PopularityModel, counts: [Int: Double], items: [Int: Item], format: Format
    ) -> String? {
        let seen = Set(profile.recentHistory.map(\.item.id)).union(target.map(\.itemID))
        let negatives = popularity.top(max(0, candidates - target.count), excluding: seen)
        // The candidate model's order: popularity, held-out items placed by their own popularity rank.
        let pool = (target.map { ScoredItem(itemID: $0.itemID, score: counts[$0.itemID] ?? 0) } + negatives)
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.itemID < $1.itemID }
        let shown = pool.map { Candidate(item: items[$0.itemID] ?? .stub(id: $0.itemID), score: $0.score) }
        let request = RerankRequest(userID: profile.userID, profile: profile, candidates: shown, limit: limit)
        let rendered = PromptBuilder(config: prompt).prompt(for: request)
        let shortID = Dictionary(zip(rendered.shownItemIDs, rendered.shownIDs), uniquingKeysWith: { first, _ in first })

        let ratingOf = Dictionary(target.map { ($0.itemID, $0.value) }, uniquingKeysWith: { _, last in last })
        let modelRank = Dictionary(shown.enumerated().map { ($1.item.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Ideal: liked held-out items by rating, then unrated candidates in model order, disliked held-out last.
        let ideal = shown.filter { shortID[$0.item.id] != nil }.sorted { a, b in
            let (ra, rb) = (ratingOf[a.item.id], ratingOf[b.item.id])
            let (ka, kb) = (Self.tier(ra, liked: likedThreshold), Self.tier(rb, liked: likedThreshold))
            if ka != kb { return ka < kb }
            if let ra, let rb, ra != rb { return ra > rb }
            return modelRank[a.item.id]! < modelRank[b.item.id]!
        }
        guard ideal.contains(where: { (ratingOf[$0.item.id] ?? 0) >= likedThreshold }) else { return nil }
        let chosen = answer(ideal.prefix(rendered.rankCount), shortID: shortID, profile: profile, ratings: ratingOf)
        let messages: [[String: String]] = [["role": "system", "content": rendered.system], ["role": "user", "content": rendered.user]]
        let object: [String: Any]
        switch format {
        case .chat:
            object = ["messages": messages + [["role": "assistant", "content": chosen]]]
        case .dpo:
            let modelOrder = shown.filter { shortID[$0.item.id] != nil }.prefix(rendered.rankCount)
            let rejected = answer(modelOrder, shortID: shortID, profile: profile, ratings: [:])
            guard rejected != chosen else { return nil }
            object = [
                "input": ["messages": messages],
                "preferred_output": [["role": "assistant", "content": chosen]],
                "non_preferred_output": [["role": "assistant", "content": rejected]],
            ]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// `{"ranking":[{"id":"C3","reason":"…"}]}`, the shape the rerank schema asks for.
    func answer(_ ranked: ArraySlice<Candidate>, shortID: [Int: String], profile: UserProfile, ratings: [Int: Float]) -> String {
        let entries = ranked.map { candidate -> [String: String] in
            ["id": shortID[candidate.item.id]!, "reason": String(TemplateExplanation.text(for: candidate.item, profile: profile).prefix(prompt.reasonMaxCharacters))]
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["ranking": entries], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func tier(_ rating: Float?, liked: Float) -> Int {
        guard let rating else { return 1 }
        return rating >= liked ? 0 : (rating >= 3 ? 1 : 2)
    }

    static func chronological(_ ratings: [Rating]) -> [Rating] {
        ratings.sorted { $0.timestamp != $1.timestamp ? $0.timestamp < $1.timestamp : $0.itemID < $1.itemID }
    }

    /// A profile from ratings alone (offline data has no other events), oldest first in `ratings`.
    public static func profile(userID: Int, ratings: [Rating], items: [Int: Item], demographics: UserDemographics?) -> UserProfile {
        let events = ratings.reversed().map {
            InteractionEvent(eventID: "", userID: userID, itemID: $0.itemID, type: .rating, value: Double($0.value), timestamp: Double($0.timestamp))
        }
        return UserProfile.aggregate(userID: userID, events: events, item: { items[$0] ?? .stub(id: $0) }, demographics: demographics,
                                     historyLength: 50)
    }
}
