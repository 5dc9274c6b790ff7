import NIOPosix

/// Threads for work that blocks: libpq calls, BLAS scoring and model refits. The cooperative pool has one
/// thread per core and every async task needs it, so blocking there stalls the HTTP client, the metrics
/// server's probes and the LLM calls in flight; this pool is the one place such work runs from async code.
enum BlockingWork {
    /// Two threads: the refresher's work and a lease extension or an LLM cache lookup can overlap.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
