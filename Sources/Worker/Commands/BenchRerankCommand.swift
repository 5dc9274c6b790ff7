import ArgumentParser
import Foundation
import LLMClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Pipeline

/// Sustained rerank throughput under the configured limits, against a built-in OpenAI-compatible stub
/// with a fixed latency (so the number measures the client, not a model). Prints one JSON line with the
/// achieved rate and the busiest window the stub saw.
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
        let server = try BenchLLMServer(latency: .milliseconds(latencyMs))
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

        let arrivals = server.arrivals.filter { $0.time < start + duration }
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

    static func peak(_ arrivals: [BenchLLMServer.Arrival], window: Duration) -> (requests: Int, tokens: Int) {
        var peak = (requests: 0, tokens: 0)
        for (index, first) in arrivals.enumerated() {
            let inside = arrivals[index...].prefix { $0.time < first.time + window }
            peak = (max(peak.requests, inside.count), max(peak.tokens, inside.reduce(0) { $0 + $1.tokens }))
        }
        return peak
    }
}

/// A loopback OpenAI-compatible stub for the benchmark: answers every request after a fixed latency with
/// the shown ids (from the schema's `enum`) in reverse and a `usage` of body bytes / 4.
final class BenchLLMServer: @unchecked Sendable {
    struct Arrival: Sendable {
        var time: ContinuousClock.Instant
        var tokens: Int
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: any Channel
    private let lock = NSLock()
    private var log: [Arrival] = []
    let latency: Duration

    init(latency: Duration) throws {
        self.latency = latency
        let holder = Holder()
        channel = try ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Handler(server: holder)) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        holder.server = self
    }

    var baseURL: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/v1" }
    var arrivals: [Arrival] { lock.withLock { log.sorted { $0.time < $1.time } } }

    func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    func reply(to body: [UInt8]) -> String {
        let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        let schema = ((json["response_format"] as? [String: Any])?["json_schema"] as? [String: Any])?["schema"] as? [String: Any]
        let ranking = (schema?["properties"] as? [String: Any])?["ranking"] as? [String: Any]
        let ids = (((ranking?["items"] as? [String: Any])?["properties"] as? [String: Any])?["id"] as? [String: Any])?["enum"] as? [String] ?? []
        let count = ranking?["maxItems"] as? Int ?? ids.count
        let entries = ids.reversed().prefix(count).map { ["id": $0, "reason": "a close match to recent favourites"] }
        let content = String(decoding: (try? JSONSerialization.data(withJSONObject: ["ranking": entries])) ?? Data(), as: UTF8.self)
        let usage = ["prompt_tokens": body.count / 4, "completion_tokens": content.utf8.count / 4, "total_tokens": body.count / 4 + content.utf8.count / 4]
        lock.withLock { log.append(Arrival(time: .now, tokens: usage["total_tokens"] ?? 0)) }
        let response: [String: Any] = [
            "object": "chat.completion", "choices": [["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": content]]],
            "usage": usage,
        ]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: response)) ?? Data(), as: UTF8.self)
    }

    /// Breaks the init-time reference cycle between the bootstrap and the server.
    final class Holder: @unchecked Sendable { weak var server: BenchLLMServer? }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let holder: Holder
        var body: [UInt8] = []

        init(server: Holder) { holder = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: body = []
            case .body(var buffer): body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let server = holder.server else { return }
                let text = server.reply(to: body)
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let (seconds, attoseconds) = server.latency.components
                context.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
                    let context = bound.value
                    var head = HTTPResponseHead(version: .http1_1, status: .ok)
                    head.headers.add(name: "content-type", value: "application/json")
                    head.headers.add(name: "content-length", value: "\(text.utf8.count)")
                    context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
                    context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                    context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
                }
            }
        }
    }
}
