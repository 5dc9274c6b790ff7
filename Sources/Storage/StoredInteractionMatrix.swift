import Pipeline

/// The (user, item, value) matrix a model version was fitted on, and the PostgreSQL snapshot it was read in.
/// A starting stream worker loads it with the models instead of reading every interaction row, then reads only
/// what committed after `snapshot` (`InteractionFeed.readNew`), which together is exactly what is stored now.
public struct StoredInteractionMatrix: Sendable {
    public struct Row: Sendable, Equatable {
        public var userID: Int
        /// Indices into `itemIDs`, in the order the pairs entered the data.
        public var items: [Int32]
        public var values: [Float]

        public init(userID: Int, items: [Int32], values: [Float]) {
            self.userID = userID
            self.items = items
            self.values = values
        }
    }

    /// `pg_snapshot` text form.
    public var snapshot: String
    /// What the rows' item indices name.
    public var itemIDs: [Int]
    /// Users with at least one pair, ascending by id.
    public var rows: [Row]

    public init(snapshot: String, itemIDs: [Int], rows: [Row]) {
        self.snapshot = snapshot
        self.itemIDs = itemIDs
        self.rows = rows.sorted { $0.userID < $1.userID }
    }

    /// The pairs of `data` (already accumulated: one per user and item), read in `snapshot`.
    public init(data: InteractionData, snapshot: String) {
        self.init(snapshot: snapshot, itemIDs: data.items.ids,
                  rows: (0..<data.userCount).compactMap { user in
                      data.userItems[user].isEmpty ? nil
                          : Row(userID: data.users.id(at: user), items: data.userItems[user], values: data.userValues[user])
                  })
    }

    public var pairCount: Int { rows.reduce(0) { $0 + $1.items.count } }

    /// The pairs as ratings, by user and then in stored order (what `ModelSet` and `InteractionData` take).
    public var ratings: [Rating] {
        var ratings = [Rating]()
        ratings.reserveCapacity(pairCount)
        for row in rows {
            for (item, value) in zip(row.items, row.values) {
                ratings.append(Rating(userID: row.userID, itemID: itemIDs[Int(item)], value: value, timestamp: 0))
            }
        }
        return ratings
    }
}
