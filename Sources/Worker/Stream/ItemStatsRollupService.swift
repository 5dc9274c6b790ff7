import Logging
import PostgresClient
import ServiceLifecycle
import Storage

/// Rolls the newly committed interactions into the item counters every `interval` (`ItemStatsRollup`), so ingest
/// transactions need not write them. `item_stats` is exact whatever the lag; the interval only bounds how much its
/// readers aggregate from the interactions themselves. Replicas take turns; a failed rollup changes nothing and
/// is tried again.
struct ItemStatsRollupService: Service {
    let connection: PostgresConnection
    let logger: Logger
    /// A second's batches are thousands of events over a few thousand items: one counter write per item then
    /// replaces one per item and batch.
    var interval: Duration = .seconds(1)

    func run() async throws {
        let rollup = ItemStatsRollup(connection: connection)
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
                try await BlockingWork.run { _ = try rollup.rollUp() }
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                logger.warning("rolling up item counters failed (\(failures) in a row; item_stats stays exact), retrying: \(error)")
                _ = try? await BlockingWork.run { [connection] in
                    if !connection.isHealthy { try connection.reset() }
                }
            }
        }
    }
}
