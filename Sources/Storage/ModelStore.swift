import Foundation
import Pipeline
import PostgresClient

/// Saves and loads trained models (`ModelSnapshot`s) under a version: one `model_versions` row per kind and
/// version, one bytea row per item / user vector, written with COPY.
public struct ModelStore: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Writes a new version of every snapshot and makes it current, atomically: readers see either the old
    /// set or the new one. Returns the version number (one more than any stored version).
    /// - Parameter matrix: the interactions the models were fitted on, saved under the same version for the stream
    ///   worker's start-up (`loadMatrix`); nil saves none, and a worker starting on this version reads every row.
    @discardableResult
    public func saveNewVersion(_ snapshots: [ModelSnapshot], matrix: StoredInteractionMatrix? = nil) throws -> Int {
        try connection.transaction { tx in
            let version = (try tx.query("SELECT COALESCE(max(version), 0) + 1 AS next FROM model_versions")[0].int("next"))
            for snapshot in snapshots {
                let parameters = String(decoding: try JSONEncoder().encode(snapshot.parameters), as: UTF8.self)
                try tx.execute("UPDATE model_versions SET is_current = false WHERE kind = $1 AND is_current", [snapshot.kind.rawValue])
                let id = try tx.query("""
                    INSERT INTO model_versions (kind, version, parameters, column_item_ids, is_current)
                    VALUES ($1, $2, $3::jsonb, $4::int[], true) RETURNING model_version_id
                    """, [snapshot.kind.rawValue, version, parameters, snapshot.columnItemIDs])[0].int("model_version_id")
                try tx.copy("COPY model_item_vectors (model_version_id, item_id, vector) FROM STDIN",
                            lines: snapshot.itemVectors.lazy.map { PostgresCopy.line([String(id), String($0.key), Self.encode($0.value)]) })
                try tx.copy("COPY model_user_vectors (model_version_id, user_id, vector) FROM STDIN",
                            lines: snapshot.userVectors.lazy.map { PostgresCopy.line([String(id), String($0.key), Self.encode($0.value)]) })
            }
            if let matrix { try Self.save(matrix, version: version, tx) }
            return version
        }
    }

    /// The current snapshot of every kind that has one, with its version.
    public func loadCurrent() throws -> [(version: Int, snapshot: ModelSnapshot)] {
        let versions = try connection.query("""
            SELECT model_version_id, kind, version, parameters::text AS parameters, column_item_ids
            FROM model_versions WHERE is_current ORDER BY kind
            """)
        return try versions.map { row in
            let id = try row.int("model_version_id")
            let kindName = try row.string("kind")
            guard let kind = ModelKind(rawValue: kindName) else {
                throw StorageError("model_versions has unknown kind \(kindName): upgrade recworker or retrain")
            }
            let parameters = try JSONDecoder().decode([String: Double].self, from: Data(try row.string("parameters").utf8))
            let snapshot = ModelSnapshot(kind: kind, parameters: parameters,
                                         itemVectors: try vectors("model_item_vectors", key: "item_id", version: id),
                                         userVectors: try vectors("model_user_vectors", key: "user_id", version: id),
                                         columnItemIDs: try row.intArray("column_item_ids"))
            return (try row.int("version"), snapshot)
        }
    }

    /// The interaction matrix saved with `version`, or nil when that version has none.
    public func loadMatrix(version: Int) throws -> StoredInteractionMatrix? {
        guard let header = try connection.query(
            "SELECT snapshot, item_ids FROM model_matrices WHERE version = $1", [version]).first else { return nil }
        var rows = [StoredInteractionMatrix.Row]()
        // Binary COPY: the bytea arrives as bytes, not as hex text to decode.
        try connection.copyOutBinary(
            "SELECT user_id, items, item_values FROM model_matrix_rows WHERE version = \(version) ORDER BY user_id",
            types: [.int4, .bytea, .bytea], chunkRows: 8_192) { chunk in
            let users = chunk.int32s(0), items = chunk.byteArrays(1), values = chunk.byteArrays(2)
            for row in 0..<chunk.rowCount {
                let itemIndices = Self.decodeInt32s(items[row]), itemValues = Self.decode(values[row])
                guard itemIndices.count == itemValues.count else {
                    throw StorageError("model_matrix_rows of version \(version), user \(users[row]): \(itemIndices.count) items but \(itemValues.count) values; run the nightly job again")
                }
                rows.append(.init(userID: Int(users[row]), items: itemIndices, values: itemValues))
            }
        }
        let itemIDs = try header.intArray("item_ids")
        guard rows.allSatisfy({ $0.items.allSatisfy { $0 >= 0 && Int($0) < itemIDs.count } }) else {
            throw StorageError("model_matrix_rows of version \(version) name items outside model_matrices.item_ids; run the nightly job again")
        }
        return StoredInteractionMatrix(snapshot: try header.string("snapshot"), itemIDs: itemIDs, rows: rows)
    }

    private static func save(_ matrix: StoredInteractionMatrix, version: Int, _ tx: PostgresConnection) throws {
        try tx.execute("INSERT INTO model_matrices (version, snapshot, item_ids, pairs) VALUES ($1, $2, $3::int[], $4)",
                       [version, matrix.snapshot, matrix.itemIDs, matrix.pairCount])
        try tx.copy("COPY model_matrix_rows (version, user_id, items, item_values) FROM STDIN", lines: matrix.rows.lazy.map { row in
            PostgresCopy.line([String(version), String(row.userID), encodeInt32s(row.items), encode(row.values)])
        })
    }

    /// Version and parameters of every kind's current model, without their vectors.
    public func currentVersions() throws -> [ModelKind: (version: Int, parameters: [String: Double])] {
        var result = [ModelKind: (version: Int, parameters: [String: Double])]()
        for row in try connection.query("SELECT kind, version, parameters::text AS parameters FROM model_versions WHERE is_current") {
            guard let kind = ModelKind(rawValue: try row.string("kind")) else { continue }
            result[kind] = (try row.int("version"),
                            try JSONDecoder().decode([String: Double].self, from: Data(try row.string("parameters").utf8)))
        }
        return result
    }

    /// Deletes versions that are not current and older than the newest `keep` versions (vectors go with them
    /// by cascade). Returns how many model rows were deleted.
    @discardableResult
    public func pruneVersions(keep: Int) throws -> Int {
        precondition(keep >= 1, "keep at least the current version")
        let deleted = try connection.execute("""
            DELETE FROM model_versions
            WHERE NOT is_current AND version <= (SELECT max(version) FROM model_versions) - $1
            """, [keep])
        try connection.execute("DELETE FROM model_matrices m WHERE NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.version = m.version)")
        return deleted
    }

    private func vectors(_ table: String, key: String, version: Int) throws -> [Int: [Float]] {
        let rows = try connection.query("SELECT \(key) AS id, vector FROM \(table) WHERE model_version_id = $1", [version])
        var result = [Int: [Float]](minimumCapacity: rows.count)
        for row in rows { result[try row.int("id")] = Self.decode(try row.bytes("vector")) }
        return result
    }

    static func encode(_ vector: [Float]) -> String { encodeInt32s(vector.map { Int32(bitPattern: $0.bitPattern) }) }

    static func decode(_ bytes: [UInt8]) -> [Float] { decodeInt32s(bytes).map { Float(bitPattern: UInt32(bitPattern: $0)) } }

    /// Little-endian, 4 bytes per value, as bytea hex for COPY.
    static func encodeInt32s(_ values: [Int32]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = UInt32(bitPattern: value).littleEndian
            bytes.append(UInt8(truncatingIfNeeded: bits)); bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16)); bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        return PostgresBytea.encodeHex(bytes)
    }

    static func decodeInt32s(_ bytes: [UInt8]) -> [Int32] {
        stride(from: 0, to: bytes.count - 3, by: 4).map { offset in
            Int32(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
        }
    }
}
