import ArgumentParser
import Foundation
import KafkaClient
import Pipeline

struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Publish MovieLens ratings, or an event file, as interaction events (contract v1), in timestamp order, keyed by user id.")

    @OptionGroup var options: ConfigOptions
    @OptionGroup var kafka: KafkaOptions
    @Option(help: "MovieLens folder in any GroupLens layout (ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-latest).") var movielens: String?
    @Option(help: "JSON-lines file of contract-v1 events, published in file order (e.g. from simulate --transactions).") var events: String?
    @Option(help: "Publish only the first N events (by timestamp).") var limit: Int?
    @Option(help: "Publish at most this many events per second (default: as fast as possible).") var rate: Double?

    func validate() throws {
        guard (movielens == nil) != (events == nil) else { throw ValidationError("pass one of --movielens DIR or --events FILE") }
    }

    func run() throws {
        let all = try events.map(Self.readEvents) ?? Self.ratingEvents(movielens: movielens!)
        let selected = limit.map { Array(all.prefix($0)) } ?? all
        let config = try options.load(overrides: kafka.overrides)
        let topic = config.kafka.eventsTopic
        let producer = try KafkaProducer(brokers: try config.kafka.requiredBrokers(), properties: config.kafka.properties)
        try producer.checkBrokersReachable()
        let started = ContinuousClock.now
        for (index, event) in selected.enumerated() {
            try producer.send(topic: topic, key: Array(String(event.userID).utf8), value: EventCodec.encode(event))
            if let rate, rate > 0 {
                let due = started + .seconds(Double(index + 1) / rate)
                let wait = due - ContinuousClock.now
                if wait > .zero { Thread.sleep(forTimeInterval: Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds)) }
            }
        }
        try producer.flush()
        print("produced \(selected.count) events to \(topic)")
    }

    private static func ratingEvents(movielens: String) throws -> [InteractionEvent] {
        SimulateTransactionOptions.merged(ratings: try MovieLensDataset.loadRatings(folder: movielens), simulated: [])
    }

    /// Every line must be a valid event: a file that would dead-letter is refused before anything is sent.
    private static func readEvents(path: String) throws -> [InteractionEvent] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read --events \(path): pass a JSON-lines file (recworker simulate --transactions writes one)")
        }
        return try data.split(separator: UInt8(ascii: "\n")).enumerated().map { number, line in
            switch EventCodec.decode(Array(line)) {
            case .success(let event): return event
            case .failure(let rejection): throw ValidationError("\(path) line \(number + 1): \(rejection.reason)")
            }
        }
    }

    /// ML-10M and later rate in half stars from 0.5; the event contract's ratings are 1…5, so 0.5 is sent as 1.
    static func contractRating(_ value: Float) -> Float { max(1, value) }
}
