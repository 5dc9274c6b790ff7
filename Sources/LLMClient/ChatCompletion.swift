import Foundation
import Pipeline

/// One `/chat/completions` request, encoded with sorted keys so that equal requests are equal bytes.
public struct ChatRequest: Sendable, Hashable, Encodable {
    public struct Message: Sendable, Hashable, Encodable {
        public var role: String
        public var content: String
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public var model: String
    public var messages: [Message]
    public var temperature: Double
    public var maxTokens: Int
    public var responseFormat: JSONValue?
    /// A pseudonym for abuse monitoring (OpenAI's `user`); never the real user id.
    public var user: String?
    /// Tokens the limiter reserves for this call before `usage` is known: an upper bound.
    public var estimatedTokens: Int

    public init(
        model: String, messages: [Message], temperature: Double, maxTokens: Int, responseFormat: JSONValue?,
        user: String?, estimatedTokens: Int
    ) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.responseFormat = responseFormat
        self.user = user
        self.estimatedTokens = estimatedTokens
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, user
        case maxTokens = "max_tokens"
        case responseFormat = "response_format"
    }

    /// The request body with sorted keys: the bytes sent and the cache key's input.
    public func body() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}

/// The parts of a chat completion the worker uses.
public struct ChatCompletion: Sendable, Hashable {
    public var content: String
    public var finishReason: String?
    public var usage: TokenUsage?
    public var hints: RateLimitHints

    public init(content: String, finishReason: String?, usage: TokenUsage?, hints: RateLimitHints = RateLimitHints()) {
        self.content = content
        self.finishReason = finishReason
        self.usage = usage
        self.hints = hints
    }
}

/// The OpenAI response shape, decoded leniently: unknown fields (llama.cpp's `timings`) are ignored.
struct ChatCompletionBody: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable { var content: String? }
        var message: Message?
        var text: String?
        var finish_reason: String?
    }
    struct Usage: Decodable {
        var prompt_tokens: Int?
        var completion_tokens: Int?
    }
    var choices: [Choice]
    var usage: Usage?
}
