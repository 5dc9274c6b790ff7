import ArgumentParser
import Foundation
import KafkaClient
import Pipeline

struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Publish MovieLens ratings as interaction events (contract v1), in timestamp order, keyed by user id.")

    @OptionGroup var kafka: KafkaOptions
    @Option(help: "MovieLens folder in any GroupLens layout (ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-latest).") var movielens: String
    @Option(help: "Publish only the first N ratings (by timestamp).") var limit: Int?
    @Option(help: "Publish at most this many events per second (default: as fast as possible).") var rate: Double?

    func run() throws {
        let ratings = try MovieLensDataset.loadRatings(folder: movielens)
            .sorted { ($0.timestamp, $0.userID, $0.itemID) < ($1.timestamp, $1.userID, $1.itemID) }
        let selected = limit.map { Array(ratings.prefix($0)) } ?? ratings
        let producer = try KafkaProducer(brokers: try kafka.resolvedBrokers())
        try producer.checkBrokersReachable()
        let started = ContinuousClock.now
        for (index, rating) in selected.enumerated() {
            let event = InteractionEvent(
                eventID: "ml-\(rating.userID)-\(rating.itemID)-\(rating.timestamp)", userID: rating.userID, itemID: rating.itemID,
                type: .rating, value: Double(Self.contractRating(rating.value)), timestamp: Double(rating.timestamp))
            try producer.send(topic: kafka.resolvedTopic, key: Array(String(rating.userID).utf8), value: EventCodec.encode(event))
            if let rate, rate > 0 {
                let due = started + .seconds(Double(index + 1) / rate)
                let wait = due - ContinuousClock.now
                if wait > .zero { Thread.sleep(forTimeInterval: Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds)) }
            }
        }
        try producer.flush()
        print("produced \(selected.count) events to \(kafka.resolvedTopic)")
    }

    /// ML-10M and later rate in half stars from 0.5; the event contract's ratings are 1…5, so 0.5 is sent as 1.
    static func contractRating(_ value: Float) -> Float { max(1, value) }
}
