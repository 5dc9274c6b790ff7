/// How many users the refresher claims next.
///
/// Every claim pays fixed costs whatever its size (the claim query, the models' catch-up, one publication and one
/// acknowledgement statement), so while the queue holds more than a claim takes, claims double up to `maximum`:
/// a backlog is cleared in fewer, larger rounds and its oldest users wait less. Once a claim comes back less than
/// half full the size halves back towards `base`, where a claim is quick and its first users publish soonest.
struct ClaimSizer: Sendable, Equatable {
    let base: Int
    let maximum: Int
    private(set) var next: Int

    init(base: Int, maximum: Int) {
        precondition(base > 0 && maximum >= base, "claim sizes must be positive and the maximum at least the base")
        self.base = base
        self.maximum = maximum
        next = base
    }

    mutating func record(claimed: Int) {
        if claimed >= next {
            next = min(maximum, next * 2)
        } else if claimed < next / 2 {
            next = max(base, next / 2)
        }
    }
}
