/// Never lets reranking fail a publication: when the primary reranker throws (LLM down, over budget,
/// circuit open, unusable answer) the candidates' own order is published with template explanations
/// and the rows say so in their source. Cancellation is passed through so shutdown stays prompt.
public struct FallbackReranker: Reranker {
    public let primary: any Reranker
    let onFailure: @Sendable (RerankRequest, any Error) -> Void

    /// - Parameter onFailure: told about every fallback (for logs and metrics).
    public init(primary: any Reranker, onFailure: @escaping @Sendable (RerankRequest, any Error) -> Void = { _, _ in }) {
        self.primary = primary
        self.onFailure = onFailure
    }

    public func rerank(_ request: RerankRequest) async throws -> RerankResult {
        do {
            return try await primary.rerank(request)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            onFailure(request, error)
            return RerankResult(items: Grounding.modelOrder(request), source: request.candidateSource, usage: nil)
        }
    }
}
