import Pipeline
import PostgresClient

/// The `llm_cache` table. Its methods match LLMClient's `ResponseCache` protocol, which the worker
/// adopts with a one-line extension, so Storage and LLMClient stay independent of each other.
///
/// libpq blocks its thread: give the store its own connection when it is shared with busy writers.
public struct LLMCacheStore: Sendable {
    public struct Entry: Sendable, Hashable {
        public var content: String
        public var usage: TokenUsage?
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// The live entry for `key`, or nil when it is missing or expired.
    public func entry(forKey key: String) throws -> Entry? {
        let rows = try connection.query("""
            SELECT content, prompt_tokens, completion_tokens FROM llm_cache WHERE cache_key = $1 AND expires_at > now()
            """, [key])
        guard let row = rows.first else { return nil }
        let usage = row.optionalInt("prompt_tokens").map {
            TokenUsage(promptTokens: $0, completionTokens: row.optionalInt("completion_tokens") ?? 0)
        }
        return Entry(content: try row.string("content"), usage: usage)
    }

    /// Inserts or refreshes `key` with a new expiry, remembering that `userID`'s prompt produced it (for erasure).
    public func put(key: String, model: String, content: String, usage: TokenUsage?, ttlSeconds: Double, userID: Int? = nil) throws {
        try connection.execute("""
            WITH entry AS (
                INSERT INTO llm_cache (cache_key, model, content, prompt_tokens, completion_tokens, expires_at)
                VALUES ($1, $2, $3, $4::integer, $5::integer, now() + make_interval(secs => $6::double precision))
                ON CONFLICT (cache_key) DO UPDATE SET model = EXCLUDED.model, content = EXCLUDED.content,
                    prompt_tokens = EXCLUDED.prompt_tokens, completion_tokens = EXCLUDED.completion_tokens,
                    created_at = now(), expires_at = EXCLUDED.expires_at
                RETURNING cache_key
            )
            INSERT INTO llm_cache_users (user_id, cache_key)
            SELECT $7::integer, cache_key FROM entry WHERE $7::integer IS NOT NULL
            ON CONFLICT DO NOTHING
            """, [key, model, content, OptionalInt(usage?.promptTokens), OptionalInt(usage?.completionTokens), ttlSeconds, OptionalInt(userID)])
    }

    /// Deletes expired entries, `batchSize` per statement so a large purge never holds long locks; returns how many went.
    @discardableResult
    public func purgeExpired(batchSize: Int = 10_000) throws -> Int {
        var total = 0
        while true {
            let deleted = try connection.execute("""
                DELETE FROM llm_cache WHERE cache_key IN (SELECT cache_key FROM llm_cache WHERE expires_at <= now() LIMIT $1)
                """, [batchSize])
            total += deleted
            if deleted < batchSize { return total }
        }
    }

    /// Deletes every entry; returns how many went.
    @discardableResult
    public func purgeAll() throws -> Int {
        try connection.execute("DELETE FROM llm_cache")
    }
}

/// An `Int?` parameter: SQL NULL when nil.
private struct OptionalInt: PostgresEncodable {
    let value: Int?
    init(_ value: Int?) { self.value = value }
    var postgresText: String? { value.map(String.init) }
}
