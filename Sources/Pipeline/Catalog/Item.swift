/// A catalogue item (a MovieLens movie): what prompts show and what candidates name.
public struct Item: Sendable, Hashable, Codable {
    public var id: Int
    public var title: String
    public var year: Int?
    public var genres: [String]

    public init(id: Int, title: String, year: Int?, genres: [String]) {
        self.id = id
        self.title = title
        self.year = year
        self.genres = genres
    }

    /// A placeholder for an item seen in events before its metadata arrived.
    public static func stub(id: Int) -> Item { Item(id: id, title: "Item \(id)", year: nil, genres: []) }
}
