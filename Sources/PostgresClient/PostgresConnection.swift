import CLibpq
import Foundation

/// One libpq connection. Every call is serialised by a lock, so the connection may be shared between
/// tasks, but libpq calls block the calling thread: give each concurrent workload its own connection.
public final class PostgresConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    private let lock = NSLock()
    public let url: String

    /// Connects with a libpq connection string or `postgres://` URL.
    public init(url: String) throws {
        self.url = url
        guard let conn = PQconnectdb(url) else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(kind: .connection, message: "cannot connect to PostgreSQL (\(Self.redacted(url))): \(message)")
        }
        connection = conn
        // Notices (e.g. "relation already exists, skipping") are expected during migrations; keep them off stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(connection) }

    /// False once the server has gone away; `reset()` reconnects.
    public var isHealthy: Bool { lock.withLock { PQstatus(connection) == CONNECTION_OK } }

    /// Re-establishes a broken connection with the original parameters.
    public func reset() throws {
        try lock.withLock {
            PQreset(connection)
            guard PQstatus(connection) == CONNECTION_OK else {
                throw PostgresError(kind: .connection, message: String(cString: PQerrorMessage(connection)))
            }
        }
    }

    /// Runs one parameterised statement and returns its rows (text format).
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> [PostgresRow] {
        try lock.withLock {
            let result = try run(sql, parameters)
            defer { PQclear(result) }
            return Self.rows(of: result)
        }
    }

    /// Runs one parameterised statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> Int {
        try lock.withLock {
            let result = try run(sql, parameters)
            defer { PQclear(result) }
            return Int(String(cString: PQcmdTuples(result))) ?? 0
        }
    }

    /// Runs a script of several statements without parameters (used for migrations).
    public func executeScript(_ sql: String) throws {
        try lock.withLock {
            guard let result = PQexec(connection, sql) else { throw connectionError() }
            defer { PQclear(result) }
            try check(result)
        }
    }

    /// Runs `body` inside BEGIN/COMMIT; any thrown error rolls back and is rethrown.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            if isHealthy { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Streams text-format COPY data (`COPY … FROM STDIN`), one already-escaped line per row.
    /// Use `PostgresCopy.line` to build the lines.
    public func copy(_ sql: String, lines: some Sequence<String>) throws {
        try lock.withLock {
            guard let start = PQexec(connection, sql) else { throw connectionError() }
            let status = PQresultStatus(start)
            if status != PGRES_COPY_IN {
                defer { PQclear(start) }
                try check(start)
                throw PostgresError(kind: .copy, message: "statement did not start COPY FROM STDIN: \(sql)")
            }
            PQclear(start)
            var buffer = [UInt8]()
            buffer.reserveCapacity(1 << 16)
            func flush() throws {
                guard !buffer.isEmpty else { return }
                let sent = buffer.withUnsafeBufferPointer { raw in
                    raw.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
                }
                guard sent == 1 else { throw PostgresError(kind: .copy, message: String(cString: PQerrorMessage(connection))) }
                buffer.removeAll(keepingCapacity: true)
            }
            var copyError: Error?
            do {
                for line in lines {
                    buffer.append(contentsOf: line.utf8)
                    buffer.append(UInt8(ascii: "\n"))
                    if buffer.count >= 1 << 16 { try flush() }
                }
                try flush()
            } catch {
                copyError = error
            }
            let ended = copyError == nil ? PQputCopyEnd(connection, nil) : PQputCopyEnd(connection, "client aborted COPY")
            guard ended == 1 else { throw PostgresError(kind: .copy, message: String(cString: PQerrorMessage(connection))) }
            var firstFailure: Error? = copyError
            while let result = PQgetResult(connection) {
                do { try check(result) } catch { firstFailure = firstFailure ?? error }
                PQclear(result)
            }
            if let firstFailure { throw firstFailure }
        }
    }

    // MARK: - libpq plumbing

    private func run(_ sql: String, _ parameters: [any PostgresEncodable]) throws -> OpaquePointer {
        let texts = parameters.map { $0.postgresText }
        // libpq takes text parameters as C strings: a NUL would silently cut the value, so refuse it as the data
        // error it is (PostgreSQL text cannot hold NUL either).
        if let index = texts.firstIndex(where: { $0?.utf8.contains(0) == true }) {
            throw PostgresError(kind: .query, message: "parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot store",
                                sqlState: "22021")
        }
        let cStrings: [UnsafeMutablePointer<CChar>?] = texts.map { $0.flatMap { strdup($0) } }
        defer { cStrings.forEach { free($0) } }
        let result: OpaquePointer? = cStrings.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                PQexecParams(connection, sql, Int32(texts.count), nil, values.baseAddress, nil, nil, 0)
            }
        }
        guard let result else { throw connectionError() }
        do { try check(result) } catch { PQclear(result); throw error }
        return result
    }

    private func check(_ result: OpaquePointer) throws {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_COPY_OUT:
            return
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = String(cString: PQresultErrorMessage(result))
            let kind: PostgresError.Kind = PQstatus(connection) == CONNECTION_OK ? .query : .connection
            throw PostgresError(kind: kind, message: message, sqlState: state)
        }
    }

    private func connectionError() -> PostgresError {
        PostgresError(kind: .connection, message: String(cString: PQerrorMessage(connection)))
    }

    private static func rows(of result: OpaquePointer) -> [PostgresRow] {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var index = [String: Int]()
        for column in 0..<columnCount { index[String(cString: PQfname(result, Int32(column)))] = column }
        var rows = [PostgresRow]()
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values = [String?]()
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(PostgresRow(values: values, columnIndex: index))
        }
        return rows
    }

    /// The connection string with every password replaced, safe for logs and error messages: URL credentials
    /// (`user:secret@`), URL query parameters (`?password=secret`) and key=value strings (`password=secret`,
    /// `password='se cret'`).
    public static func redacted(_ connectionString: String) -> String {
        if connectionString.contains("://") {
            guard var components = URLComponents(string: connectionString) else { return "(unparseable connection URL, redacted)" }
            if components.password != nil { components.password = "***" }
            components.queryItems = components.queryItems?.map {
                $0.name.lowercased() == "password" ? URLQueryItem(name: $0.name, value: "***") : $0
            }
            return components.string ?? "(unparseable connection URL, redacted)"
        }
        // key = value pairs; a value is a single-quoted string (backslash escapes) or runs to the next space.
        let pattern = #"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)"#
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return connectionString }
        let range = NSRange(connectionString.startIndex..., in: connectionString)
        return regex.stringByReplacingMatches(in: connectionString, range: range, withTemplate: "$1***")
    }
}
