import ArgumentParser
import Foundation
import LLMClient
import Logging
import Pipeline
import ScriptedLLMServer

/// Sustained rerank throughput under the configured limits, against `ScriptedLLMServer` answering every request
/// after a fixed latency (so the number measures the client, not a model). Prints one JSON line with the achieved
/// rate and the busiest window the server saw.
struct BenchRerankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rerank", abstract: "LLM rerank client throughput under rate limits (fake endpoint).")

    @Option(help: "Requests per minute the limiter allows.") var requestsPerMinute = 120
    @Option(help: "Tokens per minute the limiter allows.") var tokensPerMinute = 1_000_000
    @Option(help: "Calls in flight at once.") var concurrency = 4
    @Option(help: "Fixed latency of the fake endpoint, milliseconds.") var latencyMs = 100
    @Option(help: "How long to run, seconds (a multiple of 60 measures whole windows).") var durationSeconds = 60
    @Option(help: "Candidates per request.") var candidates = 20

    func run() async throws {
        var logger = Logger(label: "recworker.bench")
        logger.logLevel = .warning
        let latency = Duration.milliseconds(latencyMs)
        let server = try ScriptedLLMServer { _, _ in .complete(delay: latency) }
        defer { server.shutdown() }
        let limits = LLMLimits(requestsPerWindow: requestsPerMinute, tokensPerWindow: tokensPerMinute, maxConcurrent: concurrency)
        let reranker = OpenAIReranker(
            endpoint: LLMEndpoint(baseURL: server.baseURL, model: "bench", apiKey: nil),
            configuration: RerankerConfiguration(prompt: PromptConfig(maxCandidates: candidates)), limits: limits, logger: logger)
        let duration = Duration.seconds(durationSeconds)
        let start = ContinuousClock.now
        let catalogue = (1...500).map { Item(id: $0, title: "Movie \($0)", year: 1990 + $0 % 10, genres: [MovieLensDataset.genreNames[1 + $0 % 18]]) }

        // More workers than slots, so the limiter (not the workers) sets the pace; the run ends by cancelling them.
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<(concurrency * 2) {
                group.addTask {
                    var userID = worker
                    while !Task.isCancelled {
                        userID += concurrency * 2
                        let request = Self.request(userID: userID, catalogue: catalogue, candidates: candidates)
                        _ = try? await reranker.rerank(request)
                    }
                }
            }
            group.addTask { try? await Task.sleep(for: duration) }
            await group.next()
            group.cancelAll()
        }

        let arrivals = server.log.map { (time: $0.arrival, tokens: $0.reportedTokens) }.filter { $0.time < start + duration }
        let peak = Self.peak(arrivals, window: .seconds(60))
        let stats = await reranker.gateway.stats.snapshot
        let seconds = Double(durationSeconds)
        let achieved = Double(arrivals.count) / seconds * 60
        let line: [String: Any] = [
            "bench": "rerank", "duration_s": seconds, "latency_ms": latencyMs, "concurrency": concurrency,
            "configured_rpm": requestsPerMinute, "configured_tpm": tokensPerMinute,
            "requests": arrivals.count, "achieved_rpm": (achieved * 10).rounded() / 10,
            "rate_ratio": (achieved / Double(requestsPerMinute) * 1000).rounded() / 1000,
            "max_requests_in_any_60s": peak.requests, "max_tokens_in_any_60s": peak.tokens,
            "failures": stats.failures, "retries": stats.retries,
        ]
        try BenchCommand.printLine(line)
    }

    static func request(userID: Int, catalogue: [Item], candidates: Int) -> RerankRequest {
        let offset = (userID * 7) % (catalogue.count - candidates)
        let shown = catalogue[offset..<(offset + candidates)].enumerated().map { Candidate(item: $1, score: 1 - Double($0) / Double(candidates)) }
        let history = (0..<10).map { HistoryEntry(item: catalogue[(userID + $0 * 13) % catalogue.count], type: .rating, value: Double(1 + ($0 + userID) % 5), timestamp: Double(1_000 - $0)) }
        let profile = UserProfile(userID: userID, countsByType: [.rating: 10], ratingCount: 10, ratingSum: 30, ratingSumOfSquares: 100, recentHistory: history)
        return RerankRequest(userID: userID, profile: profile, candidates: shown, limit: 10)
    }

    static func peak(_ arrivals: [(time: ContinuousClock.Instant, tokens: Int)], window: Duration) -> (requests: Int, tokens: Int) {
        var peak = (requests: 0, tokens: 0)
        for (index, first) in arrivals.enumerated() {
            let inside = arrivals[index...].prefix { $0.time < first.time + window }
            peak = (max(peak.requests, inside.count), max(peak.tokens, inside.reduce(0) { $0 + $1.tokens }))
        }
        return peak
    }
}
