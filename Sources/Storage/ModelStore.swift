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
    @discardableResult
    public func saveNewVersion(_ snapshots: [ModelSnapshot]) throws -> Int {
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
        return try connection.execute("""
            DELETE FROM model_versions
            WHERE NOT is_current AND version <= (SELECT max(version) FROM model_versions) - $1
            """, [keep])
    }

    /// Persists folded-in user vectors of the current version of `kind` (the stream worker's incremental path).
    public func upsertUserVectors(kind: ModelKind, _ vectors: [Int: [Float]]) throws {
        guard !vectors.isEmpty else { return }
        try connection.transaction { tx in
            let rows = try tx.query("SELECT model_version_id FROM model_versions WHERE kind = $1 AND is_current", [kind.rawValue])
            guard let id = try rows.first?.int("model_version_id") else {
                throw StorageError("no current \(kind.rawValue) model: run the nightly retrain before streaming updates")
            }
            try tx.execute("CREATE TEMP TABLE staging_user_vectors (user_id integer, vector bytea) ON COMMIT DROP")
            try tx.copy("COPY staging_user_vectors (user_id, vector) FROM STDIN",
                        lines: vectors.lazy.map { PostgresCopy.line([String($0.key), Self.encode($0.value)]) })
            try tx.execute("""
                INSERT INTO model_user_vectors (user_id, model_version_id, vector)
                SELECT user_id, $1, vector FROM staging_user_vectors
                ON CONFLICT (user_id, model_version_id) DO UPDATE SET vector = EXCLUDED.vector, updated_at = now()
                """, [id])
        }
    }

    private func vectors(_ table: String, key: String, version: Int) throws -> [Int: [Float]] {
        let rows = try connection.query("SELECT \(key) AS id, vector FROM \(table) WHERE model_version_id = $1", [version])
        var result = [Int: [Float]](minimumCapacity: rows.count)
        for row in rows { result[try row.int("id")] = Self.decode(try row.bytes("vector")) }
        return result
    }

    static func encode(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            bytes.append(UInt8(truncatingIfNeeded: bits)); bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16)); bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        return PostgresBytea.encodeHex(bytes)
    }

    static func decode(_ bytes: [UInt8]) -> [Float] {
        stride(from: 0, to: bytes.count - 3, by: 4).map { offset in
            Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
        }
    }
}
