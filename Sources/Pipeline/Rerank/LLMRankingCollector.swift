/// Asks an `LLMRankingSource` once per case, a few at a time. Failures are kept, not thrown: a user whose
/// call failed is evaluated with the model's order, as production would publish it, and counted.
public struct LLMRankingCollector: Sendable {
    public struct Outcome: Sendable {
        /// Rankings by user id, for the calls that succeeded.
        public var rankings: [Int: LLMRanking]
        /// Error descriptions by user id, for the calls that failed.
        public var failures: [Int: String]
    }

    public var source: any LLMRankingSource
    /// Calls in flight; the source's own limiter still applies on top.
    public var concurrency: Int

    public init(source: any LLMRankingSource, concurrency: Int) {
        self.source = source
        self.concurrency = max(1, concurrency)
    }

    /// - Parameter progress: called after each finished case with (done, total), for long LLM passes.
    public func collect(_ cases: [RerankCase], progress: @Sendable (Int, Int) -> Void = { _, _ in }) async -> Outcome {
        var outcome = Outcome(rankings: [:], failures: [:])
        await withTaskGroup(of: (Int, Result<LLMRanking, any Error>).self) { group in
            var next = cases.startIndex
            func submit() {
                guard next < cases.endIndex else { return }
                let request = cases[next].request
                next += 1
                group.addTask {
                    do { return (request.userID, .success(try await source.llmRanking(request))) } catch { return (request.userID, .failure(error)) }
                }
            }
            for _ in 0..<concurrency { submit() }
            var done = 0
            for await (userID, result) in group {
                switch result {
                case .success(let ranking): outcome.rankings[userID] = ranking
                case .failure(let error): outcome.failures[userID] = "\(error)"
                }
                done += 1
                progress(done, cases.count)
                submit()
            }
        }
        return outcome
    }
}
