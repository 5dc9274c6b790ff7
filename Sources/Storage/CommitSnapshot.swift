/// Which transactions' effects a statement saw: a PostgreSQL snapshot in `pg_current_snapshot()`'s text form
/// (`xmin:xmax:xip1,xip2,…`). A transaction is seen when it finished before the snapshot was taken: its id is
/// below `xmin`, or below `xmax` and not among those still in progress.
public struct CommitSnapshot: Sendable, Hashable {
    public let xmin: UInt64
    public let xmax: UInt64
    public let inProgress: Set<UInt64>

    /// Nil when `text` is not a snapshot.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let xmin = UInt64(parts[0]), let xmax = UInt64(parts[1]), xmin <= xmax else { return nil }
        var inProgress = Set<UInt64>()
        for id in parts[2].split(separator: ",") {
            guard let id = UInt64(id) else { return nil }
            inProgress.insert(id)
        }
        self.xmin = xmin
        self.xmax = xmax
        self.inProgress = inProgress
    }

    /// Whether the effects of the (committed) transaction `transactionID` were visible in this snapshot.
    public func sees(_ transactionID: UInt64) -> Bool {
        transactionID < xmin || (transactionID < xmax && !inProgress.contains(transactionID))
    }
}
