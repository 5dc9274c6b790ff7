/// Where an OpenAI-compatible chat-completions endpoint lives and how to call it.
public struct LLMEndpoint: Sendable {
    /// e.g. `http://127.0.0.1:18080/v1` or `https://api.openai.com/v1`.
    public var baseURL: String
    public var model: String
    /// Sent as a bearer token; never logged.
    public var apiKey: String?

    public init(baseURL: String, model: String, apiKey: String?) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.model = model
        self.apiKey = apiKey
    }
}

extension LLMEndpoint: CustomStringConvertible, CustomDebugStringConvertible {
    /// Safe for logs: the key is reduced to whether there is one.
    public var description: String { "\(baseURL) model=\(model) key=\(apiKey == nil ? "none" : "set")" }
    public var debugDescription: String { description }
}
