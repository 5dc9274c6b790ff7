import ArgumentParser
import Foundation
import Pipeline

/// `recworker evaluate --with-transactions`: every model twice, on the training ratings alone and on the training
/// ratings plus watch and purchase events simulated from them (`TransactionSimulator`), both through the
/// production weighting (`EventWeights`, accumulation), against the same held-out test ratings.
struct TransactionEvaluationOptions: ParsableArguments {
    @Flag(help: "Also train every model on the training ratings plus simulated watch and purchase events (derived from the training ratings only).")
    var withTransactions = false
    @Option(name: .customLong("event-weight"), help: "Override an event weight, e.g. --event-weight watch=3 (types: \(InteractionType.allCases.map(\.rawValue).joined(separator: ", ")); 0…5).")
    var eventWeightOverrides: [String] = []
    @Option(help: "How repeated events of one (user, item) combine: \(InteractionAccumulation.allCases.map(\.rawValue).joined(separator: " or ")).")
    var accumulation: String = InteractionAccumulation.max.rawValue

    struct Variant {
        /// Appended to the model name in the report ("" for ratings only).
        var suffix: String
        var data: InteractionData
    }

    func weights() throws -> EventWeights {
        var weights = EventWeights.default
        for assignment in eventWeightOverrides {
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let type = InteractionType(rawValue: parts[0]), let value = Float(parts[1]),
                  EventWeights.modelRange.contains(value) else {
                throw ValidationError("--event-weight \(assignment): use TYPE=WEIGHT with a type of \(InteractionType.allCases.map(\.rawValue).joined(separator: ", ")) and a weight in 0…5")
            }
            weights[type] = value
        }
        return weights
    }

    func rule() throws -> InteractionAccumulation {
        guard let rule = InteractionAccumulation(rawValue: accumulation) else {
            throw ValidationError("--accumulation must be \(InteractionAccumulation.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        return rule
    }

    /// The training data for each variant; the second exists only with `--with-transactions` (needs item genres).
    func variants(train: [Rating], items: [Item]?, catalogue: [Int], seed: UInt64) throws -> [Variant] {
        let weights = try weights(), rule = try rule()
        let rated = train.map { InteractionEvent(eventID: "", userID: $0.userID, itemID: $0.itemID, type: .rating,
                                                 value: Double($0.value), timestamp: Double($0.timestamp)) }
        let ratingsOnly = InteractionData(ratings: rated.compactMap(weights.rating), catalogue: catalogue, accumulation: rule)
        guard withTransactions else { return [Variant(suffix: "", data: ratingsOnly)] }
        guard let items else { throw ValidationError("--with-transactions needs --movielens DIR: unrated watches are drawn from the user's genres") }
        let simulated = TransactionSimulator(seed: seed).events(ratings: train, items: items)
        let counts = Dictionary(grouping: simulated, by: \.type).mapValues(\.count)
        FileHandle.standardError.write(Data("simulated from the training ratings: \(counts[.watch] ?? 0) watches, \(counts[.purchase] ?? 0) purchases\n".utf8))
        let combined = InteractionData(ratings: (rated + simulated).compactMap(weights.rating), catalogue: catalogue, accumulation: rule)
        // Unrated watches also hide the films they land on from the user's ranking (history is never recommended);
        // the third variant keeps only the events on rated films, isolating what the weights themselves do.
        let ratedPairs = Set(train.map { "\($0.userID)-\($0.itemID)" })
        let onRated = simulated.filter { ratedPairs.contains("\($0.userID)-\($0.itemID)") }
        let reweighted = InteractionData(ratings: (rated + onRated).compactMap(weights.rating), catalogue: catalogue, accumulation: rule)
        return [Variant(suffix: "", data: ratingsOnly), Variant(suffix: " +transactions", data: combined),
                Variant(suffix: " +transactions on rated films", data: reweighted)]
    }
}
