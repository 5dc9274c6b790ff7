/// Notices an ingest loop whose partitions have messages waiting (the broker's high watermark is past this member's
/// offsets) while its polls keep coming back empty. The loop still goes round, so `/livez` stays ok; without this
/// nothing said that consumption had stopped (the dev broker answered every fetch empty once its log was long,
/// docs/stream-load.md). Pure: the loop passes the instants and the lag it reads from librdkafka's cache.
struct ConsumptionStallWatch {
    /// How long messages may wait unreceived before it is reported, and how often it is reported again.
    let threshold: Duration
    private var waitingSince: ContinuousClock.Instant?
    private var lastReport: ContinuousClock.Instant?

    init(threshold: Duration) { self.threshold = threshold }

    /// A poll delivered messages: whatever was waiting is moving.
    mutating func received() {
        waitingSince = nil
        lastReport = nil
    }

    /// A poll came back empty with `lag` messages waiting; returns how long they have waited when that is worth a
    /// warning now (past the threshold, at most once per threshold).
    mutating func emptyPoll(at now: ContinuousClock.Instant, lag: Int64) -> Duration? {
        guard lag > 0 else {
            received()
            return nil
        }
        let since = waitingSince ?? now
        waitingSince = since
        guard now - since >= threshold, lastReport.map({ now - $0 >= threshold }) ?? true else { return nil }
        lastReport = now
        return now - since
    }
}
