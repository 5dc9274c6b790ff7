import Pipeline

extension PublicationSnapshot {
    /// The snapshot's interactions as model inputs, weighted exactly as `InteractionFeed` weights the stream's.
    public func modelInputs(weights: EventWeights) -> [Rating] {
        interactions.compactMap(weights.rating)
    }
}
