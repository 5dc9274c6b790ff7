/// The user×item interaction matrix every model trains on, kept as adjacency lists in both directions so
/// the stream worker can append to it and models can update only what a batch touched.
///
/// Values are what the caller put in `Rating.value` (for events: `EventWeights`), clipped to
/// `EventWeights.modelRange`; non-finite values are dropped. Explicit ratings (1…5) for the explicit model, and
/// for implicit models any stored pair counts as a positive (confidence may use the value). Several events of
/// one pair combine by `accumulation`, never by arrival order.
public struct InteractionData: Sendable {
    public private(set) var users: IDIndex
    public private(set) var items: IDIndex
    /// Per user index: the item indices they interacted with, and the values, in arrival order.
    public private(set) var userItems: [[Int32]]
    public private(set) var userValues: [[Float]]
    /// Per item index: the user indices that interacted with it, and the values.
    public private(set) var itemUsers: [[Int32]]
    public private(set) var itemValues: [[Float]]
    public private(set) var interactionCount = 0
    public let accumulation: InteractionAccumulation

    /// - Parameters:
    ///   - catalogue: item ids to index even without interactions (so they can be scored and recommended);
    ///     listed ids come first, in the given order.
    ///   - knownUsers: user ids to index even without interactions, first, in order.
    ///   - accumulation: how repeated (user, item) pairs combine.
    public init(ratings: [Rating], catalogue: [Int] = [], knownUsers: [Int] = [], accumulation: InteractionAccumulation = .max) {
        self.accumulation = accumulation
        users = IDIndex(ids: knownUsers)
        items = IDIndex(ids: catalogue)
        userItems = Array(repeating: [], count: users.count)
        userValues = Array(repeating: [], count: users.count)
        itemUsers = Array(repeating: [], count: items.count)
        itemValues = Array(repeating: [], count: items.count)
        _ = add(ratings, tracking: false)
    }

    public var userCount: Int { users.count }

    /// Bytes the pair arrays hold, spare capacity included (what the data really costs in memory: arrays grow by
    /// doubling, so between 16 and 32 bytes per pair).
    public var reservedBytes: Int {
        func bytes<T>(_ lists: [[T]]) -> Int { lists.reduce(0) { $0 + $1.capacity * MemoryLayout<T>.stride } }
        return bytes(userItems) + bytes(userValues) + bytes(itemUsers) + bytes(itemValues)
    }
    public var itemCount: Int { items.count }

    /// Appends interactions; a repeated (user, item) pair combines with the stored value by `accumulation`.
    /// Returns what changed, for `RecommenderModel.update`.
    @discardableResult
    public mutating func add(_ ratings: [Rating]) -> TouchedSet { add(ratings, tracking: true) }

    /// `tracking: false` (building from scratch) skips the `TouchedSet`: at 20 million ratings its pair list
    /// alone is 320 MB that nobody reads.
    private mutating func add(_ ratings: [Rating], tracking: Bool) -> TouchedSet {
        var touched = TouchedSet(previousUserCount: users.count, previousItemCount: items.count)
        var touchedUsers = Set<Int>(), touchedItems = Set<Int>()
        var positions = PairPositions()
        var lastUserID = Int.min, lastUser = -1
        for index in ratings.indices {
            let rating = ratings[index]
            // The last line of defence for the solvers (Cholesky, CG, SGD): nothing outside the documented range.
            guard let value = EventWeights.clip(rating.value) else { continue }
            let user: Int
            if rating.userID == lastUserID { user = lastUser } else {
                user = ensureUser(rating.userID)
                (lastUserID, lastUser) = (rating.userID, user)
            }
            let item = ensureItem(rating.itemID)
            // Where the pair already is in the user's list. A linear search is quadratic in a user's history, which
            // at ML-20M (users with thousands of ratings, read user by user) is billions of comparisons; so during
            // a run of one user's ratings with a long history, an item → position table answers instead.
            let position: Int?
            if positions.user == user {
                position = positions.position(of: item)
            } else if userItems[user].count >= PairPositions.minimumHistory, index + 1 < ratings.count,
                      ratings[index + 1].userID == rating.userID {
                positions.load(user: user, history: userItems[user], replacing: positions.user >= 0 ? userItems[positions.user] : [],
                               itemCount: items.count)
                position = positions.position(of: item)
            } else {
                position = userItems[user].firstIndex(of: Int32(item))
            }
            if let position {
                let combined = accumulation.combine(userValues[user][position], value)
                guard combined != userValues[user][position] else { continue }
                userValues[user][position] = combined
                if let back = itemUsers[item].firstIndex(of: Int32(user)) { itemValues[item][back] = combined }
            } else {
                if positions.user == user { positions.record(item: item, at: userItems[user].count) }
                userItems[user].append(Int32(item)); userValues[user].append(value)
                itemUsers[item].append(Int32(user)); itemValues[item].append(value)
                interactionCount += 1
                if tracking { touched.newPairs.append(UserItemPair(user: user, item: item)) }
            }
            guard tracking else { continue }
            if touchedUsers.insert(user).inserted { touched.users.append(user) }
            if touchedItems.insert(item).inserted { touched.items.append(item) }
        }
        return touched
    }

    private mutating func ensureUser(_ id: Int) -> Int {
        let (index, inserted) = users.insert(id)
        if inserted { userItems.append([]); userValues.append([]) }
        return index
    }

    private mutating func ensureItem(_ id: Int) -> Int {
        let (index, inserted) = items.insert(id)
        if inserted { itemUsers.append([]); itemValues.append([]) }
        return index
    }

    /// Every (user, item, value) triple by dense index, in user order: the SGD models' sample list.
    public func triples() -> (users: [Int32], items: [Int32], values: [Float]) {
        var u = [Int32](), i = [Int32](), v = [Float]()
        u.reserveCapacity(interactionCount); i.reserveCapacity(interactionCount); v.reserveCapacity(interactionCount)
        for user in 0..<userCount {
            for (item, value) in zip(userItems[user], userValues[user]) {
                u.append(Int32(user)); i.append(item); v.append(value)
            }
        }
        return (u, i, v)
    }

    /// The users × items 0/1 matrix for `users` (dense rows), for BLAS-based models (EASE, co-occurrence).
    public func binaryRows(_ rows: some Collection<Int>) -> [Float] {
        var block = [Float](repeating: 0, count: rows.count * itemCount)
        for (slot, user) in rows.enumerated() {
            for item in userItems[user] { block[slot * itemCount + Int(item)] = 1 }
        }
        return block
    }

    /// Like `binaryRows`, but each interaction is `entry(value)` instead of 1; only the first `columns`
    /// items are included (models fitted before newer items arrived).
    public func weightedRows(_ rows: some Collection<Int>, columns: Int, entry: (Float) -> Float) -> [Float] {
        var block = [Float](repeating: 0, count: rows.count * columns)
        for (slot, user) in rows.enumerated() {
            for (item, value) in zip(userItems[user], userValues[user]) where Int(item) < columns {
                block[slot * columns + Int(item)] = entry(value)
            }
        }
        return block
    }
}

/// Item → position + 1 in one user's item list (0: not there), for the user whose ratings are being added.
private struct PairPositions {
    /// Shorter histories are searched directly.
    static let minimumHistory = 16
    private(set) var user = -1
    private var marks: [Int32] = []

    mutating func load(user: Int, history: [Int32], replacing previous: [Int32], itemCount: Int) {
        for item in previous { marks[Int(item)] = 0 }
        if marks.count < itemCount { marks.append(contentsOf: repeatElement(0, count: itemCount - marks.count)) }
        for (position, item) in history.enumerated() { marks[Int(item)] = Int32(position + 1) }
        self.user = user
    }

    func position(of item: Int) -> Int? {
        item < marks.count && marks[item] > 0 ? Int(marks[item]) - 1 : nil
    }

    mutating func record(item: Int, at position: Int) {
        if item >= marks.count { marks.append(contentsOf: repeatElement(0, count: item + 1 - marks.count)) }
        marks[item] = Int32(position + 1)
    }
}

public struct UserItemPair: Sendable, Hashable {
    public var user: Int
    public var item: Int
}

/// What one `InteractionData.add` changed, by dense index.
public struct TouchedSet: Sendable {
    /// Users and items with any new or changed interaction, in first-seen order.
    public var users: [Int] = []
    public var items: [Int] = []
    /// Pairs that did not exist before (co-occurrence counts change only for these).
    public var newPairs: [UserItemPair] = []
    /// Indices at or above these are users/items the models have never seen.
    public var previousUserCount: Int
    public var previousItemCount: Int

    public init(previousUserCount: Int, previousItemCount: Int) {
        self.previousUserCount = previousUserCount
        self.previousItemCount = previousItemCount
    }

    public var isEmpty: Bool { users.isEmpty && items.isEmpty }
}
