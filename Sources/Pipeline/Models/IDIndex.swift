/// Maps external ids (user or item ids from events) to dense 0-based indices, the rows and columns of
/// every model. Indices are stable: new ids are appended, never reordered, so factor rows stay valid.
public struct IDIndex: Sendable, Equatable {
    public private(set) var ids: [Int] = []
    private var positions: [Int: Int] = [:]

    public init(ids: [Int] = []) {
        for id in ids { _ = insert(id) }
    }

    public var count: Int { ids.count }

    public func index(of id: Int) -> Int? { positions[id] }

    public func id(at index: Int) -> Int { ids[index] }

    /// The index of `id`, appending it if it is new.
    @discardableResult
    public mutating func insert(_ id: Int) -> (index: Int, inserted: Bool) {
        if let existing = positions[id] { return (existing, false) }
        positions[id] = ids.count
        ids.append(id)
        return (ids.count - 1, true)
    }
}
