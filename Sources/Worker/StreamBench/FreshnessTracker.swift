import Foundation
import Storage
import Synchronization

/// Collects what `bench stream` reports: events applied, and for every event the time from its produce
/// timestamp to (a) the commit that updated its user's profile and (b) the moment its user's published rows
/// cover it (the refresher's acknowledgement). Shared by the ingest thread (commits) and the refresher.
final class FreshnessTracker: Sendable {
    private struct State {
        var applied = 0
        var batches = 0
        var deadLetters = 0
        var firstCommit: Double?
        var lastCommit: Double?
        var profileLatencies = [Double]()
        /// Per user, the events committed but not yet covered by a publication, in commit order, with the
        /// transaction that committed them.
        var unpublished = [Int: [(producedAt: Double, transactionID: UInt64)]]()
        var unpublishedCount = 0
        var publishedLatencies = [Double]()
        /// Acknowledged user refreshes, repeats included: above the number of distinct users, some users were
        /// refreshed again because events reached them after an earlier refresh.
        var usersRefreshed = 0
    }

    private let state = Mutex(State())
    private let tracksPublication: Bool
    private let measuredFrom: Double

    /// Events produced before `measuredFrom` (a topic-creating warm-up) count as applied but are not measured.
    init(tracksPublication: Bool, expectedEvents: Int, measuredFrom: Double) {
        self.tracksPublication = tracksPublication
        self.measuredFrom = measuredFrom
        state.withLock {
            $0.profileLatencies.reserveCapacity(expectedEvents)
            if tracksPublication { $0.publishedLatencies.reserveCapacity(expectedEvents) }
        }
    }

    /// Called on the ingest thread right after a batch's transaction (`transactionID`) committed.
    func committed(_ batch: IngestBatch, transactionID: UInt64?) {
        let now = Date().timeIntervalSince1970
        state.withLock { state in
            state.applied += batch.events.count + batch.deadLetters.count
            state.deadLetters += batch.deadLetters.count
            state.batches += 1
            state.firstCommit = state.firstCommit ?? now
            state.lastCommit = now
            for event in batch.events where event.timestamp >= measuredFrom {
                state.unpublishedCount += tracksPublication && transactionID != nil ? 1 : 0
                state.profileLatencies.append(now - event.timestamp)
                if tracksPublication, let transactionID {
                    state.unpublished[event.userID, default: []].append((event.timestamp, transactionID))
                }
            }
        }
    }

    /// The refresher acknowledged these claims now: each user's published rows cover exactly the events of the
    /// transactions the claim's snapshot saw. (A clock comparison, claim start against the commit's return, missed
    /// a commit that finished between the two: its user's entry was then acknowledged and never claimed again, and
    /// the benchmark waited for ever.)
    func published(_ claims: [RefreshQueue.Claim]) {
        let now = Date().timeIntervalSince1970
        state.withLock { state in
            state.usersRefreshed += claims.count
            for claim in claims {
                guard let snapshot = claim.snapshot, let events = state.unpublished[claim.userID] else { continue }
                let covered = events.prefix { snapshot.sees($0.transactionID) }
                guard !covered.isEmpty else { continue }
                for event in covered { state.publishedLatencies.append(now - event.producedAt) }
                state.unpublishedCount -= covered.count
                if covered.count == events.count {
                    state.unpublished[claim.userID] = nil
                } else {
                    state.unpublished[claim.userID] = Array(events.dropFirst(covered.count))
                }
            }
        }
    }

    var applied: Int { state.withLock { $0.applied } }
    var unpublishedCount: Int { state.withLock { $0.unpublishedCount } }

    struct Summary {
        var applied: Int
        var batches: Int
        var deadLetters: Int
        var firstCommit: Double?
        var lastCommit: Double?
        var profileLatency: Percentiles?
        var publishedLatency: Percentiles?
        var usersRefreshed: Int
    }

    func summary() -> Summary {
        state.withLock { state in
            Summary(applied: state.applied, batches: state.batches, deadLetters: state.deadLetters,
                    firstCommit: state.firstCommit, lastCommit: state.lastCommit,
                    profileLatency: Percentiles(state.profileLatencies),
                    publishedLatency: tracksPublication ? Percentiles(state.publishedLatencies) : nil,
                    usersRefreshed: state.usersRefreshed)
        }
    }
}

/// p50/p99/max of a set of latencies in seconds.
struct Percentiles {
    let p50: Double
    let p99: Double
    let max: Double

    init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.down)))] }
        p50 = at(0.5)
        p99 = at(0.99)
        max = sorted[sorted.count - 1]
    }
}
