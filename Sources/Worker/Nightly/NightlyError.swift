/// Why a nightly job did not run or did not finish, with what to do about it.
enum NightlyError: Error, CustomStringConvertible {
    /// Another job holds the nightly lease; `holder` names it when visible.
    case alreadyRunning(holder: String?)
    case snapshotMissing(runID: Int)

    var description: String {
        switch self {
        case .alreadyRunning(let holder):
            return "another `recworker nightly` is already running against this database"
                + (holder.map { " (\($0))" } ?? "")
                + "; this one exits without changing anything. Let it finish (recommendation_runs shows its progress)"
                + " or stop it; after a crash the lease expires by itself (nightly.lease_seconds) and `recworker nightly --resume` finishes its run."
        case .snapshotMissing(let runID):
            return "run \(runID) has no snapshot instant, so it cannot be resumed; start a new run without --resume"
        }
    }
}
