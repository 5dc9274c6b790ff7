import CMalloc
import Foundation
import LinearAlgebra
import Logging

/// What a process running the stream worker (the `stream` verb, or a stream bench) sets up before anything else.
enum StreamProcess {
    /// Logs to stderr at `level` (or `fallback` when the name is not a level); BLAS single-threaded. The
    /// refresher's products are small and frequent: OpenBLAS's idle threads spin (sched_yield) between them and
    /// took a fifth of the worker's CPU from ingestion on a 2-core host. Two malloc arenas (below).
    static func bootstrap(logLevel: String, fallback: Logger.Level, label: String) -> Logger {
        capMallocArenas()
        let level = Logger.Level(rawValue: logLevel) ?? fallback
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        BLASBackend.setThreads(1)
        return Logger(label: label)
    }

    /// glibc gives threads that allocate at the same time arenas of their own (up to eight per core) and keeps
    /// what is freed in each: the ingest loop, the refresh lanes and the blocking pool each grow and shrink large
    /// buffers, and freed memory in one arena does not serve another. In two pairs of 12-minute `bench soak` runs
    /// (10,000 users, 2,000 events/s, each pair side by side) RSS beyond the interaction arrays grew 14.6 and 8.9 MB
    /// per million events with sixteen arenas (glibc's limit on two cores) and 7.3 and 8.4 with two: smaller or
    /// equal, never larger. `MALLOC_ARENA_MAX` in the environment still decides when set.
    private static func capMallocArenas() {
        if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil { _ = mallopt(M_ARENA_MAX, 2) }
    }
}
