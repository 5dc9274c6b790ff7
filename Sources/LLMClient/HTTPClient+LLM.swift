import AsyncHTTPClient

extension HTTPClient {
    /// The process-wide client for LLM calls. `HTTPClient.shared` cuts any response that takes longer than its
    /// 90 s read timeout, whatever `--llm-timeout` says, and a loaded local model answers slower than that;
    /// this one leaves the bound to the per-call deadline (`ChatCompletionsClient.timeout`). Like `.shared`
    /// it lives as long as the process and needs no shutdown.
    public static let llm: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout = .init(connect: .seconds(10), read: nil)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
