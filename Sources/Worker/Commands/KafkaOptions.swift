import ArgumentParser
import Foundation

/// Broker and topic flags; each overrides its `kafka.*` key. Security settings live in `kafka.properties`
/// (or `RECWORKER_KAFKA_<PROPERTY>`), never on the command line.
struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, host:port[,host:port] (kafka.brokers, $KAFKA_BROKERS).")
    var brokers: String?

    @Option(help: "Topic carrying interaction events (kafka.events_topic; default: interactions).")
    var topic: String?

    var overrides: [String: String] {
        var values = [String: String]()
        if let brokers { values["kafka.brokers"] = brokers }
        if let topic { values["kafka.events_topic"] = topic }
        return values
    }
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"
}
