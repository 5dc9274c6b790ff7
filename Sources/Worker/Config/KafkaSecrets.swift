/// Which librdkafka properties hold secrets: they may come only from `<name>_file` or the environment, and
/// `config check` prints them redacted.
enum KafkaSecrets {
    static func isSecret(_ property: String) -> Bool {
        let name = property.lowercased()
        return name.contains("password") || name.contains("secret") || name == "ssl.key.pem" || name == "sasl.oauthbearer.config"
    }
}
