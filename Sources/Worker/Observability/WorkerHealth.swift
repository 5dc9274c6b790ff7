import Synchronization

/// What the probes answer, from flags the worker sets as it goes: answering never takes a connection's lock,
/// never waits on the database and never blocks an event loop.
///
/// - Live (`/livez`): an ingest loop went round recently (with `--ingest-workers` above 1, any of them). It keeps going round while the database is away
///   (the worker pauses and rides the outage out), so only a stuck ingest thread fails it and gets a restart.
/// - Ready (`/readyz`): partitions are assigned and the ingest connection is up.
final class WorkerHealth: Sendable {
    /// How long the ingest loop may go without a round before it counts as stuck: longer than the slowest batch
    /// and the slowest reconnect attempt.
    let stallLimit: Duration
    private let started: Beat
    private let lastBeat: Atomic<Int64>
    private let assignedPartitions = Atomic<Int>(0)
    private let databaseConnected = Atomic<Bool>(false)

    /// Nanoseconds since `started`, read from `clock`.
    private struct Beat: Sendable {
        let read: @Sendable () -> Int64
    }

    init(stallLimit: Duration = .seconds(120), clock: any Clock<Duration> = ContinuousClock()) {
        self.stallLimit = stallLimit
        started = Self.beat(clock)
        lastBeat = Atomic(0)
    }

    private static func beat<C: Clock<Duration>>(_ clock: C) -> Beat {
        let origin = clock.now
        return Beat { origin.duration(to: clock.now).nanoseconds }
    }

    /// The ingest loop is going round (called every iteration, including while it waits out an outage).
    func ingestBeat() { lastBeat.store(started.read(), ordering: .relaxed) }

    /// Partitions gained (positive) or lost (negative) by one ingest loop; several loops share one `WorkerHealth`.
    func partitionsChanged(by delta: Int) { assignedPartitions.add(delta, ordering: .relaxed) }

    func databaseConnected(_ connected: Bool) { databaseConnected.store(connected, ordering: .relaxed) }

    var isLive: Bool {
        started.read() - lastBeat.load(ordering: .relaxed) <= stallLimit.nanoseconds
    }

    var isReady: Bool {
        assignedPartitions.load(ordering: .relaxed) > 0 && databaseConnected.load(ordering: .relaxed)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
