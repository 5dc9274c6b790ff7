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

    /// One case's answer, as a child task returns it. A struct on purpose: with a tuple
    /// `(Int, Result<LLMRanking, any Error>)` as the child result, release builds (Swift 6.3) filed answers under wrong
    /// user ids (3 of 5 kept in `LLMEvaluationCommandTests` run against the release binary); debug builds did not.
    private struct Answer: Sendable {
        var userID: Int
        var ranking: LLMRanking?
        var failure: String?
    }

    /// - Parameter progress: called after each finished case with (done, total), for long LLM passes.
    public func collect(_ cases: [RerankCase], progress: @Sendable (Int, Int) -> Void = { _, _ in }) async -> Outcome {
        var outcome = Outcome(rankings: [:], failures: [:])
        let requests = cases.map(\.request)
        await withTaskGroup(of: Answer.self) { group in
            var pending = requests.makeIterator()
            func submit() {
                guard let request = pending.next() else { return }
                group.addTask { [source] in
                    do {
                        return Answer(userID: request.userID, ranking: try await source.llmRanking(request), failure: nil)
                    } catch {
                        return Answer(userID: request.userID, ranking: nil, failure: "\(error)")
                    }
                }
            }
            for _ in 0..<concurrency { submit() }
            var done = 0
            while let answer = await group.next() {
                if let ranking = answer.ranking { outcome.rankings[answer.userID] = ranking }
                if let failure = answer.failure { outcome.failures[answer.userID] = failure }
                done += 1
                progress(done, requests.count)
                submit()
            }
        }
        return outcome
    }
}
