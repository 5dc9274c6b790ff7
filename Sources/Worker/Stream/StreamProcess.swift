import LinearAlgebra
import Logging

/// What a process running the stream worker (the `stream` verb, or a stream bench) sets up before anything else.
enum StreamProcess {
    /// Logs to stderr at `level` (or `fallback` when the name is not a level); BLAS single-threaded. The
    /// refresher's products are small and frequent: OpenBLAS's idle threads spin (sched_yield) between them and
    /// took a fifth of the worker's CPU from ingestion on a 2-core host.
    static func bootstrap(logLevel: String, fallback: Logger.Level, label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? fallback
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        BLASBackend.setThreads(1)
        return Logger(label: label)
    }
}
