import ArgumentParser
import Foundation

struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, host:port[,host:port] (default: $KAFKA_BROKERS).")
    var brokers: String?

    @Option(help: "Topic carrying interaction events (event contract v1; default: interactions).")
    var topic: String?

    var resolvedTopic: String { topic ?? "interactions" }

    func resolvedBrokers() throws -> String {
        if let brokers { return brokers }
        if let env = ProcessInfo.processInfo.environment["KAFKA_BROKERS"], !env.isEmpty { return env }
        throw ValidationError("KAFKA_BROKERS is not set: export KAFKA_BROKERS=host:port or pass --brokers")
    }
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"
}
