import Foundation

/// A failure reported by libpq or the server, with the SQLSTATE when the server sent one.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case connection, query, copy, protocolViolation }

    public let kind: Kind
    public let message: String
    /// Five-character SQLSTATE (e.g. `23505` for a unique violation), when the server gave one.
    public let sqlState: String?

    public init(kind: Kind, message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    /// True when retrying on a fresh connection may succeed (lost connection, server shutting down, serialization failure).
    public var isTransient: Bool {
        if kind == .connection { return true }
        guard let state = sqlState else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57P") || state == "40001" || state == "40P01"
    }

    /// The server refused a row whose key a unique index already holds (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        // libpq messages span lines; operators read one line per error.
        let trimmed = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        if let sqlState { return "PostgreSQL error \(sqlState): \(trimmed)" }
        return "PostgreSQL \(kind) error: \(trimmed)"
    }
}
