import ArgumentParser
import Foundation
import Pipeline

/// `recworker simulate --transactions`: watch and purchase events derived from MovieLens ratings
/// (`TransactionSimulator`, docs/transactions.md), written with the ratings as one event file in contract v1.
struct SimulateTransactionOptions: ParsableArguments {
    @Flag(help: "Also write <out>/events.jsonl: the ratings plus simulated watch and purchase events (event contract v1, time order).")
    var transactions = false
    @Option(name: .customLong("from-movielens"),
            help: "With --transactions: derive the events from this MovieLens folder instead of the generated synthetic data.")
    var movielens: String?

    /// Writes `<out>/events.jsonl` and returns a one-line summary.
    func writeEvents(dataset: MovieLensDataset, out: String, seed: UInt64) throws -> String {
        let simulated = TransactionSimulator(seed: seed).events(ratings: dataset.ratings, items: dataset.items)
        let events = Self.merged(ratings: dataset.ratings, simulated: simulated)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let path = (out as NSString).appendingPathComponent("events.jsonl")
        var bytes = [UInt8]()
        bytes.reserveCapacity(events.count * 100)
        for event in events { bytes += EventCodec.encode(event); bytes.append(UInt8(ascii: "\n")) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let counts = Dictionary(grouping: events, by: \.type).mapValues(\.count)
        return "wrote \(events.count) events to \(path): " + InteractionType.allCases.compactMap { type in
            counts[type].map { "\($0) \(type.rawValue)" }
        }.joined(separator: ", ")
    }

    /// Ratings as contract events (ids as `produce --movielens` names them) with the simulated events, in time order.
    /// ML-10M and later have half stars from 0.5; the event contract's ratings run 1…5, so 0.5 is sent as 1.
    static func contractRating(_ value: Float) -> Float { max(Float(EventContract.valueRange(for: .rating).lowerBound), value) }

    static func merged(ratings: [Rating], simulated: [InteractionEvent]) -> [InteractionEvent] {
        let rated = ratings.map {
            InteractionEvent(eventID: "ml-\($0.userID)-\($0.itemID)-\($0.timestamp)", userID: $0.userID, itemID: $0.itemID,
                             type: .rating, value: Double(contractRating($0.value)), timestamp: Double($0.timestamp))
        }
        return (rated + simulated).sorted { ($0.timestamp, $0.userID, $0.itemID, $0.eventID) < ($1.timestamp, $1.userID, $1.itemID, $1.eventID) }
    }
}
