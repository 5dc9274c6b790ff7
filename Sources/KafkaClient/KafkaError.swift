/// A librdkafka failure, with the library's own reason.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "Kafka error: \(message)" }
}
