/// Keyed pseudonyms for user ids: what leaves the worker (the OpenAI `user` field, fine-tuning files)
/// names a user by a salted digest, so an endpoint operator cannot join it back to our user table
/// without the key, while the same user keeps the same pseudonym across requests.
public struct Pseudonymizer: Sendable, Hashable {
    /// Secret salt; keep it stable across runs or pseudonyms (and cache keys that contain them) change.
    public var key: String

    public init(key: String) { self.key = key }

    public func pseudonym(for userID: Int) -> String {
        "u-" + SHA256.hex("\(key):recworker-user:\(userID)").prefix(12)
    }
}
