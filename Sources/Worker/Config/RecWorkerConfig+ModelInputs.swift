import Pipeline

extension RecWorkerConfig {
    /// How events become model inputs and how lists are diversified (issue 11). Kept in one block, read by
    /// `init(reader:)` in one call, so the settings can move as a unit.
    ///
    /// Keys: `models.event_weights.{rating,watch,purchase,click,view}` (each 0…5; see `EventWeights`),
    /// `models.accumulation` (`max` or `sum`), `ranking.diversity` (λ of the genre rerank, 0…1, 0 = off).
    struct ModelInputs: Sendable {
        var eventWeights: EventWeights
        var accumulation: InteractionAccumulation
        var diversity: Double

        init(reader: inout ConfigReader) throws {
            var weights = EventWeights.default
            for type in InteractionType.allCases {
                let key = "models.event_weights.\(type.rawValue)"
                weights[type] = Float(try reader.double(key, default: Double(weights[type]),
                                                        in: Double(EventWeights.modelRange.lowerBound)...Double(EventWeights.modelRange.upperBound)))
            }
            eventWeights = weights
            let rule = reader.string("models.accumulation", default: InteractionAccumulation.max.rawValue)
            guard let accumulation = InteractionAccumulation(rawValue: rule) else {
                throw ConfigError(key: "models.accumulation",
                                  message: "must be one of \(InteractionAccumulation.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(rule)\"",
                                  origin: reader.origin(of: "models.accumulation"))
            }
            self.accumulation = accumulation
            diversity = try reader.double("ranking.diversity", default: 0, in: 0...1)
        }

        /// `recworker config check` lines.
        var summary: [(String, String)] {
            InteractionType.allCases.map { ("models.event_weights.\($0.rawValue)", String(eventWeights[$0])) }
                + [("models.accumulation", accumulation.rawValue), ("ranking.diversity", String(diversity))]
        }
    }
}
