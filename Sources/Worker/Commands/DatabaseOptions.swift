import ArgumentParser
import Foundation
import PostgresClient

struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (default: $DATABASE_URL).")
    var url: String?

    func resolvedURL() throws -> String {
        if let url { return url }
        if let env = ProcessInfo.processInfo.environment["DATABASE_URL"], !env.isEmpty { return env }
        throw ValidationError("DATABASE_URL is not set: export DATABASE_URL=postgresql://user@host:port/db or pass --database-url")
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection(url: resolvedURL())
    }
}
