/// The process's ingest loops (`--ingest-workers`): each is a consumer-group member with its own thread and
/// database connection, so the group spreads the partitions over them and their transactions run side by side.
/// Keyed by user, partitions hold disjoint users, so the loops' profile rows never collide; the shared item rows
/// are locked in key order by every transaction, so they wait for each other instead of deadlocking.
struct IngestLoops: Sendable {
    let loops: [IngestLoop]

    /// The latest consumption, assignment or commit of any loop; nil until one is assigned.
    var lastActivityTime: ContinuousClock.Instant? { loops.compactMap(\.lastActivityTime).max() }

    /// Partitions the loops hold together: the whole topic's once the group has settled.
    var assignedPartitionCount: Int { loops.map(\.assignedPartitionCount).reduce(0, +) }

    var services: [IngestService] { loops.map { IngestService(loop: $0) } }
}
