import CLibpq
import Foundation
import Synchronization

/// One libpq connection. Calls are serialised, so the connection may be shared between tasks, and a
/// transaction holds the connection for its whole span: no other caller's statement can land inside it.
/// libpq calls block the calling thread: give each concurrent workload its own connection, and call it from
/// a thread that may block (a dedicated thread or thread pool, not the cooperative pool).
public final class PostgresConnection: Sendable {
    private let handle: LibpqHandle
    /// Set on the view a transaction's body receives: it runs under the lock the transaction already holds,
    /// and refuses to run once the transaction has ended (a view kept past its body is a bug, not a connection).
    private let transactionScope: TransactionScope?
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
        // Notices (e.g. "relation already exists, skipping") are expected during migrations; keep them off stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        handle = LibpqHandle(conn)
        transactionScope = nil
    }

    private init(view connection: PostgresConnection, scope: TransactionScope) {
        handle = connection.handle
        url = connection.url
        transactionScope = scope
    }

    private var connection: OpaquePointer { handle.pointer }

    /// Runs `body` with the connection to itself: under the lock, or directly inside the transaction that holds it.
    private func exclusive<T>(_ body: () throws -> T) throws -> T {
        if let transactionScope {
            guard transactionScope.isOpen else {
                throw PostgresError(kind: .protocolViolation, message: "a transaction's connection was used after the transaction ended; use the connection itself")
            }
            return try body()
        }
        var result: T?
        try handle.lock.withLock { _ in result = try body() }
        return result!
    }

    /// False once the server has gone away; `reset()` reconnects.
    public var isHealthy: Bool { (try? exclusive { PQstatus(connection) == CONNECTION_OK }) ?? false }

    /// Re-establishes a broken connection with the original parameters.
    public func reset() throws {
        try exclusive {
            PQreset(connection)
            guard PQstatus(connection) == CONNECTION_OK else {
                throw PostgresError(kind: .connection, message: String(cString: PQerrorMessage(connection)))
            }
        }
    }

    /// Runs one parameterised statement and returns its rows (text format).
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> [PostgresRow] {
        try exclusive {
            let result = try run(sql, parameters)
            defer { PQclear(result) }
            return Self.rows(of: result)
        }
    }

    /// Runs one parameterised statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> Int {
        try exclusive {
            let result = try run(sql, parameters)
            defer { PQclear(result) }
            return Int(String(cString: PQcmdTuples(result))) ?? 0
        }
    }

    /// Runs a script of several statements without parameters (used for migrations).
    public func executeScript(_ sql: String) throws {
        try exclusive {
            guard let result = PQexec(connection, sql) else { throw connectionError() }
            defer { PQclear(result) }
            try check(result)
        }
    }

    /// Runs `body` inside BEGIN/COMMIT; any thrown error rolls back and is rethrown. The connection is held for
    /// the whole transaction, so use the connection `body` receives (the outer one waits for the transaction).
    /// Inside a transaction, a nested call runs `body` as part of the enclosing transaction.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        if transactionScope != nil { return try exclusive { try body(self) } }
        return try exclusive {
            let scope = TransactionScope()
            defer { scope.close() }
            let view = PostgresConnection(view: self, scope: scope)
            try view.execute("BEGIN")
            do {
                let value = try body(view)
                try view.execute("COMMIT")
                return value
            } catch {
                if PQstatus(connection) == CONNECTION_OK { _ = try? view.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Streams text-format COPY data (`COPY … FROM STDIN`), one already-escaped line per row.
    /// Use `PostgresCopy.line` to build the lines.
    public func copy(_ sql: String, lines: some Sequence<String>) throws {
        try copyIn(sql) { send in
            var buffer = [UInt8]()
            buffer.reserveCapacity(Self.copyChunkBytes + 4_096)
            for line in lines {
                buffer.append(contentsOf: line.utf8)
                buffer.append(UInt8(ascii: "\n"))
                if buffer.count >= Self.copyChunkBytes, !send(&buffer) { return false }
            }
            return send(&buffer)
        }
    }

    private static let copyChunkBytes = 1 << 16

    /// Starts `COPY … FROM STDIN`, lets `fill` write the data (calling `send` with each full chunk and the last
    /// one; it returns false once sending failed, and `fill` then stops and returns false), and ends the COPY.
    private func copyIn(_ sql: String, _ fill: (_ send: (inout [UInt8]) -> Bool) -> Bool) throws {
        try exclusive {
            guard let start = PQexec(connection, sql) else { throw connectionError() }
            let status = PQresultStatus(start)
            if status != PGRES_COPY_IN {
                defer { PQclear(start) }
                try check(start)
                throw PostgresError(kind: .copy, message: "statement did not start COPY FROM STDIN: \(sql)")
            }
            PQclear(start)
            // PQputCopyData fails once the server has ended the COPY (a bad row, a terminated backend) or the
            // socket is gone: the server's own error, read after ending the COPY, says which.
            let send = { [connection] (chunk: inout [UInt8]) -> Bool in
                guard !chunk.isEmpty else { return true }
                let sent = chunk.withUnsafeBufferPointer { raw in
                    raw.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
                }
                chunk.removeAll(keepingCapacity: true)
                return sent == 1
            }
            let sent = fill(send)
            let ended = PQputCopyEnd(connection, sent ? nil : "client could not send COPY data") == 1
            var firstFailure: PostgresError?
            while let result = PQgetResult(connection) {
                defer { PQclear(result) }
                // Still in COPY IN: the end message never went out, so no further result will come.
                if PQresultStatus(result) == PGRES_COPY_IN { break }
                do { try check(result) } catch let error as PostgresError { firstFailure = firstFailure ?? error }
            }
            if let firstFailure { throw firstFailure }
            if !sent || !ended { throw copyFailure() }
        }
    }

    /// Runs `COPY (query) TO STDOUT (FORMAT binary)` and hands the rows to `body` `chunkRows` at a time, decoded
    /// column by column into `types` (one per selected column, in order). No text is parsed and
    /// no per-row object is made, so this is the way to read millions of rows; at most one chunk and one COPY
    /// message are held at a time. `query` takes no parameters (COPY has none): build it from trusted parts.
    /// Inside a transaction it sees the transaction's snapshot. When `body` throws, the COPY is cancelled and
    /// the error rethrown (inside a transaction, the transaction is then aborted).
    public func copyOutBinary(_ query: String, types: [PostgresBinaryType], chunkRows: Int = 65_536,
                              _ body: (PostgresBinaryChunk) throws -> Void) throws {
        try exclusive {
            let sql = "COPY (\(query)) TO STDOUT (FORMAT binary)"
            guard let start = PQexec(connection, sql) else { throw connectionError() }
            if PQresultStatus(start) != PGRES_COPY_OUT {
                defer { PQclear(start) }
                try check(start)
                throw PostgresError(kind: .copy, message: "statement did not start COPY TO STDOUT: \(sql)")
            }
            PQclear(start)
            var decoder = BinaryCopyDecoder(types: types, chunkRows: chunkRows)
            var failure: Error?
            var ended = false
            while true {
                var buffer: UnsafeMutablePointer<CChar>?
                let length = PQgetCopyData(connection, &buffer, 0)
                if length > 0, let buffer {
                    defer { PQfreemem(buffer) }
                    guard failure == nil else { continue }
                    do {
                        try decoder.feed(UnsafeRawBufferPointer(start: buffer, count: Int(length)), emit: body)
                    } catch {
                        failure = error
                        // Stop the server instead of reading the rest; what it still sent is drained below.
                        if let cancel = PQgetCancel(connection) {
                            var message = [CChar](repeating: 0, count: 256)
                            _ = PQcancel(cancel, &message, Int32(message.count))
                            PQfreeCancel(cancel)
                        }
                    }
                    continue
                }
                ended = length == -1
                break
            }
            var serverFailure: PostgresError?
            while let result = PQgetResult(connection) {
                defer { PQclear(result) }
                do { try check(result) } catch let error as PostgresError { serverFailure = serverFailure ?? error }
            }
            if let failure { throw failure }
            if let serverFailure { throw serverFailure }
            guard ended else { throw connectionError() }
            try decoder.finish(emit: body)
        }
    }

    // MARK: - libpq plumbing

    /// Sends each parameter with its length and format: binary when it has a binary form, otherwise text. Every value
    /// is copied once, into one buffer the pointers index.
    private func run(_ sql: String, _ parameters: [any PostgresEncodable]) throws -> OpaquePointer {
        var storage = [UInt8]()
        var offsets = [Int?]()
        var lengths = [Int32]()
        var formats = [Int32]()
        for (index, parameter) in parameters.enumerated() {
            let start = storage.count
            if let binary = parameter.postgresBinary {
                storage.append(contentsOf: binary)
                formats.append(1)
            } else if let text = parameter.postgresText {
                // libpq reads a text parameter up to its first NUL, which would silently cut the value: refuse it as
                // the data error it is (PostgreSQL text cannot hold NUL either).
                guard !text.utf8.contains(0) else {
                    throw PostgresError(kind: .query, message: "parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot store",
                                        sqlState: "22021")
                }
                storage.append(contentsOf: text.utf8)
                storage.append(0)
                formats.append(0)
            } else {
                offsets.append(nil)
                lengths.append(0)
                formats.append(0)
                continue
            }
            offsets.append(start)
            lengths.append(Int32(storage.count - start))
        }
        let result: OpaquePointer? = storage.withUnsafeBufferPointer { buffer in
            let values: [UnsafePointer<CChar>?] = offsets.map { offset in
                guard let offset, let base = buffer.baseAddress else { return nil }
                return UnsafeRawPointer(base + offset).assumingMemoryBound(to: CChar.self)
            }
            return PQexecParams(connection, sql, Int32(values.count), nil, values, lengths, formats, 0)
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

    /// A COPY whose data could not be sent and for which the server gave no reason: libpq reports that only when
    /// the connection is unusable, so it is a connection failure (transient: the caller pauses and reconnects).
    private func copyFailure() -> PostgresError {
        PostgresError(kind: .connection, message: "connection lost during COPY: \(String(cString: PQerrorMessage(connection)))")
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

/// Owns the libpq handle for the connection and the views its transactions hand out.
private final class LibpqHandle: @unchecked Sendable {
    // @unchecked: the C handle is used only under `lock`, or by the transaction body that holds it.
    let pointer: OpaquePointer
    let lock = Mutex<Void>(())

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { PQfinish(pointer) }
}

/// Whether a transaction's view of the connection may still be used.
private final class TransactionScope: Sendable {
    private let open = Atomic<Bool>(true)
    var isOpen: Bool { open.load(ordering: .acquiring) }
    func close() { open.store(false, ordering: .releasing) }
}
