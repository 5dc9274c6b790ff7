/// Which touched items an incremental update re-solves now.
///
/// Re-solving an item's factor reads every interaction the item has, so re-solving every touched item after every
/// batch cost about the whole interaction matrix each time: a batch touches most popular items, and at ML-20M size
/// that was 1.5 s per 5,000-event batch (`bench train --update-batches`), growing with the data rather than with the
/// batch. A popular item's factor barely moves with a few more interactions. So an item is re-solved once what it
/// gained since its last solve reaches `share` of what it had then (at least one interaction): a new or rare item is
/// re-solved at once, the work per batch follows the new interactions, and no item's factor leaves more than that
/// share unseen.
/// Touched users are always re-solved by the models: their own recommendations depend on it directly.
public struct FoldInSchedule: Sendable {
    /// The stream refits from scratch once the data doubled (`stream.model_refit_growth`, default 1.0); a tenth
    /// keeps each item's factor far closer to its data than that.
    public static let defaultShare = 0.1

    public let share: Double
    /// Interactions each item had at its last solve; 0 for an item that appeared since.
    private var solvedAt: [Int]
    /// Interactions gained (or, counting one per batch, changed in value) since the last solve.
    private var pending: [Int]

    /// The items of `data` solved on their interactions there (a fit, or stored factors); those `isSolved` rejects
    /// (no stored factor) are due at their first touch.
    public init(share: Double = defaultShare, solvedOn data: InteractionData, where isSolved: (_ item: Int) -> Bool = { _ in true }) {
        self.share = share
        solvedAt = data.itemUsers.indices.map { isSolved($0) ? data.itemUsers[$0].count : 0 }
        pending = [Int](repeating: 0, count: data.itemCount)
    }

    /// Records the batch in `touched` and returns the touched items due for a solve (in `touched` order), counting
    /// them as solved on `data` now.
    public mutating func due(_ touched: TouchedSet, data: InteractionData) -> [Int] {
        let grown = data.itemCount - solvedAt.count
        if grown > 0 {
            solvedAt.append(contentsOf: repeatElement(0, count: grown))
            pending.append(contentsOf: repeatElement(0, count: grown))
        }
        var gained = [Int: Int]()
        for pair in touched.newPairs { gained[pair.item, default: 0] += 1 }
        var due = [Int]()
        for item in touched.items {
            pending[item] += max(1, gained[item] ?? 0)
            guard Double(pending[item]) >= max(1, share * Double(solvedAt[item])) else { continue }
            due.append(item)
            solvedAt[item] = data.itemUsers[item].count
            pending[item] = 0
        }
        return due
    }
}
