import Foundation
import Logging
import ServiceLifecycle

/// Runs the blocking `IngestLoop` on a dedicated thread and stops it on graceful shutdown, so the batch
/// in flight is committed and the group is left cleanly on SIGTERM/SIGINT. Cancellation (another service of the
/// group failed) stops it the same way: the thread does not see task cancellation, and the group would otherwise
/// wait for it for ever.
struct IngestService: Service {
    let loop: IngestLoop

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await runOnThread()
            } onCancel: {
                loop.stop()
            }
        } onGracefulShutdown: {
            loop.stop()
        }
    }

    private func runOnThread() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let thread = Thread { [loop] in
                do {
                    try loop.run()
                    continuation.resume()
                } catch is CancellationError {
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "recworker-ingest"
            thread.start()
        }
    }
}

/// Drains the refresh queue until shutdown, backing off while it is empty.
struct RefreshService: Service {
    let refresher: Refresher
    let logger: Logger

    func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let handled = try await refresher.refreshNextUsers()
                failures = 0
                // The pause is added to the freshness of the next touched user; a claim of an empty queue is cheap.
                if handled == 0 { try? await Task.sleep(for: .milliseconds(20)) }
            } catch is CancellationError where Task.isCancelled || Task.isShuttingDownGracefully {
                // The worker is stopping (shutdown, or the ingest side failed): not a refresh failure.
                return
            } catch {
                failures += 1
                logger.error("refresh failed (\(failures) in a row), retrying: \(error)")
                try? await Task.sleep(for: .milliseconds(min(5_000, 200 * (1 << min(failures, 5)))))
                await refresher.reconnectIfNeeded()
            }
        }
    }
}

/// Ends the service group once ingestion has been idle and nothing is left to refresh (demo and test runs).
struct IdleExitService: Service {
    let loops: IngestLoops
    let idleFor: Duration
    let pendingRefreshes: @Sendable () async throws -> Int

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            guard let last = loops.lastActivityTime, ContinuousClock.now - last >= idleFor else { continue }
            if (try? await pendingRefreshes()) == 0 { return }
        }
    }
}
