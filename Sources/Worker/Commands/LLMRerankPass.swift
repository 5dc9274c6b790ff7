import Foundation
import LLMClient
import Logging
import Pipeline
import PostgresClient
import Storage

/// One LLM ranking per sampled user, for `calibrate` and `evaluate --rerank llm`: answers are cached in
/// PostgreSQL when a database is configured (`--database-url` or DATABASE_URL), so a rerun costs nothing. With
/// `profiles.summary: llm` each user's profile summary is written first, as the stream and nightly job would.
struct LLMRerankPass {
    var config: RecWorkerConfig

    /// Runs the calls, reporting progress and totals on standard error.
    func run(_ cases: [RerankCase]) async throws -> LLMRankingCollector.Outcome {
        let logger = Logger(label: "recworker.llm")
        let connection = try config.database.url.map { try PostgresConnection(url: $0) }
        if let connection { _ = try Migrator.bundled().migrate(connection) }
        let reranker = try ConfiguredReranker.make(config: config, cache: connection, logger: logger)
        let source = ConfiguredReranker.withSummaries(reranker, config: config, cache: connection, logger: logger)
        Self.note("LLM pass: \(cases.count) users, \(try ConfiguredReranker.endpoint(config.llm)), cache \(connection == nil ? "off (no DATABASE_URL)" : "PostgreSQL")")
        let start = ContinuousClock.now
        let outcome = await LLMRankingCollector(source: source, concurrency: config.llm.concurrency).collect(cases) { done, total in
            if done % 10 == 0 || done == total {
                Self.note("LLM pass: \(done)/\(total) users after \(String(format: "%.0f", (ContinuousClock.now - start).seconds)) s")
            }
        }
        let stats = await reranker.gateway.stats.snapshot
        Self.note("LLM pass: \(outcome.rankings.count) ranked, \(outcome.failures.count) failed (model order kept), "
            + "\(stats.succeeded) calls, \(stats.cacheHits) cache hits, \(stats.totalTokens) tokens, "
            + "\(String(format: "%.0f", (ContinuousClock.now - start).seconds)) s")
        for (user, error) in outcome.failures.sorted(by: { $0.key < $1.key }).prefix(5) { Self.note("  user \(user): \(error)") }
        return outcome
    }

    static func note(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
