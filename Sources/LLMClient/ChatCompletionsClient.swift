import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Pipeline

/// One HTTP call to an OpenAI-compatible `/chat/completions`, with every failure mapped to an `LLMError`.
/// No retries or limits here: `LLMGateway` adds those around it.
///
/// The `HTTPClient` belongs to the caller (the default, `HTTPClient.llm`, needs no shutdown).
public struct ChatCompletionsClient: Sendable {
    public var endpoint: LLMEndpoint
    public var timeout: Duration
    /// Answers are a few KB; anything far larger is not a rerank answer.
    public var maxResponseBytes: Int
    let httpClient: HTTPClient

    public init(endpoint: LLMEndpoint, timeout: Duration = .seconds(60), httpClient: HTTPClient = .llm, maxResponseBytes: Int = 1 << 20) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.httpClient = httpClient
        self.maxResponseBytes = maxResponseBytes
    }

    public func complete(_ chat: ChatRequest, logger: Logger) async throws -> ChatCompletion {
        let body: [UInt8]
        do { body = try chat.body() } catch { throw LLMError.malformedResponse("cannot encode the request: \(error)") }
        var request = HTTPClientRequest(url: endpoint.baseURL + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "application/json")
        if let key = endpoint.apiKey { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(bytes: body))

        let (status, headers, payload) = try await withDeadline(timeout) { [httpClient, maxResponseBytes, request] in
            do {
                let response = try await httpClient.execute(request, deadline: .now() + .nanoseconds(Int64(timeout.nanoseconds)))
                let bytes = try await response.body.collect(upTo: maxResponseBytes)
                return (response.status, response.headers, bytes)
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                throw LLMError.timeout(timeout)
            } catch let error as LLMError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw LLMError.transport(String(describing: error))
            }
        }
        let hints = RateLimitHints(headers: headers)
        let text = String(buffer: payload)
        switch status.code {
        case 200..<300:
            break
        case 429:
            throw LLMError.rateLimited(retryAfter: hints.retryAfter)
        case 500...:
            throw LLMError.server(status: Int(status.code), body: text)
        default:
            throw LLMError.rejected(status: Int(status.code), body: text)
        }
        let decoded: ChatCompletionBody
        do {
            decoded = try JSONDecoder().decode(ChatCompletionBody.self, from: Data(text.utf8))
        } catch {
            throw LLMError.malformedResponse("\(error) in \(text.prefix(200))")
        }
        guard let choice = decoded.choices.first, let content = choice.message?.content ?? choice.text else {
            throw LLMError.malformedResponse("no choices[0].message.content in \(text.prefix(200))")
        }
        let usage = decoded.usage.map { TokenUsage(promptTokens: $0.prompt_tokens ?? 0, completionTokens: $0.completion_tokens ?? 0) }
        logger.debug("chat completion", metadata: [
            "model": "\(chat.model)", "prompt_tokens": "\(usage?.promptTokens ?? -1)",
            "completion_tokens": "\(usage?.completionTokens ?? -1)", "finish_reason": "\(choice.finish_reason ?? "-")",
        ])
        return ChatCompletion(content: content, finishReason: choice.finish_reason, usage: usage, hints: hints)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var seconds: Double { Double(nanoseconds) / 1e9 }
}

/// Runs `body`, cancelling it and throwing `LLMError.timeout` if it takes longer than `limit`. AsyncHTTPClient's
/// deadline covers the head of the response; this also bounds a body that trickles in.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw LLMError.timeout(limit)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw LLMError.timeout(limit) }
        return first
    }
}
