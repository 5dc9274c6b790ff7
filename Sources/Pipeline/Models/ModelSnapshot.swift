import LinearAlgebra

/// A model's learned state in a storage-neutral shape: scalar parameters plus one `Float` vector per item
/// and per user, keyed by external id. `ModelStore` writes it as one row per vector (bytea, little-endian
/// float32) under a model version; `init(snapshot:data:)` on each model reverses it.
public struct ModelSnapshot: Sendable, Equatable {
    public var kind: ModelKind
    /// Hyper-parameters and global scalars (e.g. the global mean of the explicit model).
    public var parameters: [String: Double]
    public var itemVectors: [Int: [Float]]
    public var userVectors: [Int: [Float]]
    /// For models whose item vectors are indexed by item (EASE's rows have one weight per item): the item id
    /// of each vector position. Empty for the others.
    public var columnItemIDs: [Int]

    public init(kind: ModelKind, parameters: [String: Double], itemVectors: [Int: [Float]] = [:],
                userVectors: [Int: [Float]] = [:], columnItemIDs: [Int] = []) {
        self.kind = kind
        self.parameters = parameters
        self.itemVectors = itemVectors
        self.userVectors = userVectors
        self.columnItemIDs = columnItemIDs
    }

    /// Reads a parameter that a model wrote; a missing one means the snapshot is from another kind or corrupt.
    public func parameter(_ name: String) throws -> Double {
        guard let value = parameters[name] else { throw ModelSnapshotError.missingParameter(kind: kind, name: name) }
        return value
    }

    /// Rows of a factor table in `index` order; ids the snapshot lacks get zero rows (they fold in later).
    func matrix(_ vectors: [Int: [Float]], index: IDIndex, columns: Int) throws -> Matrix {
        var matrix = Matrix(rows: index.count, columns: columns)
        for (row, id) in index.ids.enumerated() {
            guard let vector = vectors[id] else { continue }
            guard vector.count == columns else {
                throw ModelSnapshotError.wrongWidth(kind: kind, id: id, expected: columns, found: vector.count)
            }
            matrix.setRow(row, to: vector)
        }
        return matrix
    }
}

public enum ModelSnapshotError: Error, CustomStringConvertible {
    case missingParameter(kind: ModelKind, name: String)
    case wrongWidth(kind: ModelKind, id: Int, expected: Int, found: Int)
    case wrongKind(expected: ModelKind, found: ModelKind)

    public var description: String {
        switch self {
        case .missingParameter(let kind, let name):
            return "\(kind.rawValue) snapshot lacks parameter \(name): it was written by another version; retrain with the nightly job"
        case .wrongWidth(let kind, let id, let expected, let found):
            return "\(kind.rawValue) vector for id \(id) has \(found) values, expected \(expected): the stored model is inconsistent; retrain"
        case .wrongKind(let expected, let found):
            return "expected a \(expected.rawValue) snapshot, got \(found.rawValue)"
        }
    }
}
