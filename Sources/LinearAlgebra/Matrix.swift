/// A dense row-major `Float` matrix: the shape every factor table, Gram matrix and score block shares,
/// so that BLAS can consume it without copies.
public struct Matrix: Sendable, Equatable {
    public private(set) var rows: Int
    public let columns: Int
    public var storage: [Float]

    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        storage = [Float](repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, storage: [Float]) {
        precondition(storage.count == rows * columns, "storage holds \(storage.count) values, shape needs \(rows * columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    public func row(_ index: Int) -> ArraySlice<Float> {
        storage[index * columns ..< (index + 1) * columns]
    }

    public mutating func setRow(_ index: Int, to values: some Collection<Float>) {
        precondition(values.count == columns, "row has \(values.count) values, matrix has \(columns) columns")
        storage.replaceSubrange(index * columns ..< (index + 1) * columns, with: values)
    }

    /// Grows the matrix downwards (new users or items) with rows filled by `value`.
    public mutating func appendRows(_ count: Int, repeating value: Float = 0) {
        storage.append(contentsOf: repeatElement(value, count: count * columns))
        rows += count
    }

    /// Small random values, the usual factor initialisation; deterministic for a given generator state.
    public static func random(rows: Int, columns: Int, scale: Float, using generator: inout some RandomNumberGenerator) -> Matrix {
        var matrix = Matrix(rows: rows, columns: columns)
        for index in matrix.storage.indices {
            matrix.storage[index] = Float.random(in: -1...1, using: &generator) * scale
        }
        return matrix
    }
}
