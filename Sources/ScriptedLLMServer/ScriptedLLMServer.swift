import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A scripted OpenAI-compatible `/chat/completions` server on loopback: `bench rerank` measures the client against
/// it, and the fault and limit tests script its failures. Every request is logged with its arrival time and the
/// tokens the reply reports, so callers can check what the endpoint actually saw.
public final class ScriptedLLMServer: Sendable {
    public struct Received: Sendable {
        public var arrival: ContinuousClock.Instant
        public var raw: Data
        public var headers: [(String, String)]
        /// Total tokens the reply's `usage` reports (0 unless the action was `complete`).
        public var reportedTokens: Int
        public var body: [String: Any] { (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] ?? [:] }
    }

    public enum Action: Sendable {
        /// A well-formed completion whose content is `content` (nil: a valid ranking of the shown ids).
        case complete(content: String? = nil, delay: Duration = .zero, headers: [(String, String)] = [])
        /// Any status, headers and raw body.
        case reply(status: Int, headers: [(String, String)] = [], body: String, delay: Duration = .zero)
        /// Accept the request and never answer.
        case hang
        /// Close the connection without a response.
        case dropConnection
    }

    /// Decides the reply to the n-th request (0-based).
    public typealias Script = @Sendable (_ index: Int, _ request: Received) -> Action

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: any Channel
    private let recorder: Recorder

    public init(script: @escaping Script) throws {
        let recorder = Recorder(script: script)
        self.recorder = recorder
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    public var baseURL: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/v1" }

    /// Every request so far, in arrival order.
    public var log: [Received] { recorder.received.withLock { $0 } }

    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    // MARK: answers

    /// The shown ids (from the schema's enum, or `Cn:` lines of the prompt).
    public static func shownIDs(in request: Received) -> [String] {
        if let format = request.body["response_format"] as? [String: Any],
           let schema = (format["json_schema"] as? [String: Any])?["schema"] as? [String: Any],
           let ranking = (schema["properties"] as? [String: Any])?["ranking"] as? [String: Any],
           let id = ((ranking["items"] as? [String: Any])?["properties"] as? [String: Any])?["id"] as? [String: Any],
           let ids = id["enum"] as? [String] {
            return ids
        }
        let prompt = (request.body["messages"] as? [[String: Any]])?.last?["content"] as? String ?? ""
        return prompt.split(separator: "\n").compactMap { line in
            line.hasPrefix("C") ? line.split(separator: ":").first.map(String.init) : nil
        }
    }

    /// The shown ids ranked in reverse, each with a reason.
    public static func validAnswer(for request: Received) -> String {
        let entries = shownIDs(in: request).reversed().map { #"{"id":"\#($0)","reason":"fits the user's taste (\#($0))"}"# }
        return #"{"ranking":[\#(entries.joined(separator: ","))]}"#
    }

    /// A quarter token per byte, as a rough tokenizer would count.
    public static func usage(request: Data, content: String) -> (prompt: Int, completion: Int, total: Int) {
        let prompt = request.count / 4
        let completion = max(1, content.utf8.count / 4)
        return (prompt, completion, prompt + completion)
    }

    public static func completionBody(request: Data, content: String) -> String {
        let usage = usage(request: request, content: content)
        let object: [String: Any] = [
            "id": "chatcmpl-fake", "object": "chat.completion", "model": "fake",
            "choices": [["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": content]]],
            "usage": ["prompt_tokens": usage.prompt, "completion_tokens": usage.completion, "total_tokens": usage.total],
        ]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }

    /// The script and the log, shared by every connection's handler.
    private final class Recorder: Sendable {
        let script: Script
        let received = Mutex<[Received]>([])

        init(script: @escaping Script) { self.script = script }

        /// Logs the request and returns the script's action for it, with the completion's content decided.
        func handle(body: Data, headers: HTTPHeaders) -> Action {
            var request = Received(arrival: .now, raw: body, headers: headers.map { ($0.name, $0.value) }, reportedTokens: 0)
            let index = received.withLock { $0.count }
            var action = script(index, request)
            if case .complete(let content, let delay, let extra) = action {
                let decided = content ?? ScriptedLLMServer.validAnswer(for: request)
                request.reportedTokens = ScriptedLLMServer.usage(request: body, content: decided).total
                action = .complete(content: decided, delay: delay, headers: extra)
            }
            received.withLock { $0.append(request) }
            return action
        }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let recorder: Recorder
        var head: HTTPRequestHead?
        var body = Data()

        init(recorder: Recorder) { self.recorder = recorder }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = Data()
            case .body(var buffer):
                body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .end:
                respond(recorder.handle(body: body, headers: head?.headers ?? [:]), context: context, requestBody: body)
            }
        }

        private func respond(_ action: Action, context: ChannelHandlerContext, requestBody: Data) {
            let status: Int, headers: [(String, String)], text: String, delay: Duration
            switch action {
            case .hang:
                return
            case .dropConnection:
                context.close(promise: nil)
                return
            case .complete(let content, let wait, let extra):
                (status, headers, text, delay) = (200, extra, ScriptedLLMServer.completionBody(request: requestBody, content: content ?? ""), wait)
            case .reply(let code, let extra, let raw, let wait):
                (status, headers, text, delay) = (code, extra, raw, wait)
            }
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let write = { @Sendable in
                let context = bound.value
                var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
                head.headers.add(name: "content-type", value: "application/json")
                head.headers.add(name: "content-length", value: "\(text.utf8.count)")
                for (name, value) in headers { head.headers.add(name: name, value: value) }
                context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
                context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
            }
            if delay > .zero {
                context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay / .nanoseconds(1)))) { write() }
            } else {
                write()
            }
        }
    }
}
