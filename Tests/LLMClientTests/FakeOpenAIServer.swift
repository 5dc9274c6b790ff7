import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A scripted OpenAI-compatible `/chat/completions` server on loopback, for fault and limit tests.
/// Every request is logged with its arrival time and the tokens the reply reports, so tests can check
/// what the endpoint actually saw.
final class FakeOpenAIServer: @unchecked Sendable {
    struct Received: Sendable {
        var arrival: ContinuousClock.Instant
        var body: [String: Any] { (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] ?? [:] }
        var raw: Data
        var headers: [(String, String)]
        var reportedTokens: Int
    }

    enum Action: Sendable {
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
    typealias Script = @Sendable (_ index: Int, _ request: Received) -> Action

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: (any Channel)?
    private let lock = NSLock()
    private var received: [Received] = []
    private let script: Script

    init(script: @escaping Script) throws {
        self.script = script
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(server: self))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
    }

    var baseURL: String { "http://127.0.0.1:\(channel?.localAddress?.port ?? 0)/v1" }

    var log: [Received] { lock.withLock { received } }

    func shutdown() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    fileprivate func handle(body: Data, headers: HTTPHeaders) -> (Action, Int) {
        let arrival = ContinuousClock.now
        var request = Received(arrival: arrival, raw: body, headers: headers.map { ($0.name, $0.value) }, reportedTokens: 0)
        let index = lock.withLock { received.count }
        let action = script(index, request)
        if case .complete(let content, _, _) = action {
            request.reportedTokens = Self.usage(request: body, content: content ?? Self.validAnswer(for: request)).total
        }
        lock.withLock { received.append(request) }
        return (action, index)
    }

    // MARK: answers

    /// The shown ids (from the schema's enum, or `Cn:` lines of the prompt) ranked in reverse.
    static func shownIDs(in request: Received) -> [String] {
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

    static func validAnswer(for request: Received) -> String {
        let entries = shownIDs(in: request).reversed().map { #"{"id":"\#($0)","reason":"fits the user's taste (\#($0))"}"# }
        return #"{"ranking":[\#(entries.joined(separator: ","))]}"#
    }

    static func usage(request: Data, content: String) -> (prompt: Int, completion: Int, total: Int) {
        let prompt = request.count / 4
        let completion = max(1, content.utf8.count / 4)
        return (prompt, completion, prompt + completion)
    }

    static func completionBody(request: Data, content: String) -> String {
        let usage = usage(request: request, content: content)
        let object: [String: Any] = [
            "id": "chatcmpl-fake", "object": "chat.completion", "model": "fake",
            "choices": [["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": content]]],
            "usage": ["prompt_tokens": usage.prompt, "completion_tokens": usage.completion, "total_tokens": usage.total],
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: FakeOpenAIServer
        var head: HTTPRequestHead?
        var body = Data()

        init(server: FakeOpenAIServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = Data()
            case .body(var buffer):
                body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .end:
                let (action, _) = server.handle(body: body, headers: head?.headers ?? [:])
                respond(action, context: context, requestBody: body)
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
                let request = Received(arrival: .now, raw: requestBody, headers: [], reportedTokens: 0)
                (status, headers, text, delay) = (200, extra, FakeOpenAIServer.completionBody(
                    request: requestBody, content: content ?? FakeOpenAIServer.validAnswer(for: request)), wait)
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
                let (seconds, attoseconds) = delay.components
                context.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) { write() }
            } else {
                write()
            }
        }
    }
}
