import Foundation

/// The GroupLens MovieLens-100K layout read from a folder: `u.item`, `u.user`, `u.data`.
public struct MovieLensDataset: Sendable {
    public var items: [Item]
    public var users: [UserDemographics]
    public var ratings: [Rating]

    public init(items: [Item], users: [UserDemographics], ratings: [Rating]) {
        self.items = items
        self.users = users
        self.ratings = ratings
    }

    public static let genreNames = [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
        "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ]

    /// Reads a folder in the GroupLens layout. Errors name the file and line that could not be read.
    public static func load(from directory: String) throws -> MovieLensDataset {
        let folder = URL(fileURLWithPath: directory)
        func read(_ name: String, latin1: Bool = false) throws -> String {
            let url = folder.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw MovieLensError.missingFile(url.path)
            }
            // u.item is Latin-1 (accented titles); the other files are ASCII.
            return latin1 ? String(data: data, encoding: .isoLatin1) ?? "" : String(decoding: data, as: UTF8.self)
        }
        let items = try parseItems(read("u.item", latin1: true), file: "u.item")
        let users = try parseUsers(read("u.user"), file: "u.user")
        let ratings = try parseRatings(read("u.data"), file: "u.data")
        return MovieLensDataset(items: items, users: users, ratings: ratings)
    }

    /// `movie id | title (year) | release date | video release date | IMDb URL | 19 genre flags`.
    public static func parseItems(_ text: String, file: String) throws -> [Item] {
        var items = [Item]()
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count >= 5, let id = Int(fields[0]) else {
                throw MovieLensError.badLine(file: file, line: number + 1, reason: "expected `id|title|…`")
            }
            let flags = fields.suffix(from: 5)
            let genres = zip(genreNames, flags).compactMap { name, flag in flag == "1" ? name : nil }
            let (title, year) = splitTitleYear(String(fields[1]), releaseDate: String(fields[2]))
            items.append(Item(id: id, title: title, year: year, genres: genres))
        }
        return items
    }

    /// `user id | age | gender | occupation | zip code`.
    public static func parseUsers(_ text: String, file: String) throws -> [UserDemographics] {
        try text.split(whereSeparator: \.isNewline).enumerated().map { number, line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count >= 5, let id = Int(fields[0]) else {
                throw MovieLensError.badLine(file: file, line: number + 1, reason: "expected `id|age|gender|occupation|zip`")
            }
            return UserDemographics(id: id, age: Int(fields[1]), gender: String(fields[2]),
                                    occupation: String(fields[3]), zip: String(fields[4]))
        }
    }

    /// Tab-separated `user item rating timestamp` (also the format of ready train/test split files).
    public static func parseRatings(_ text: String, file: String) throws -> [Rating] {
        var ratings = [Rating]()
        ratings.reserveCapacity(text.utf8.count / 20)
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "," })
            guard fields.count >= 3, let user = Int(fields[0]), let item = Int(fields[1]), let value = Float(fields[2]) else {
                throw MovieLensError.badLine(file: file, line: number + 1, reason: "expected `user<TAB>item<TAB>rating<TAB>timestamp`")
            }
            let timestamp = fields.count > 3 ? Int64(fields[3]) ?? 0 : 0
            ratings.append(Rating(userID: user, itemID: item, value: value, timestamp: timestamp))
        }
        return ratings
    }

    /// Reads a ratings file on its own (for `--train FILE --test FILE`).
    public static func loadRatings(path: String) throws -> [Rating] {
        guard let data = FileManager.default.contents(atPath: path) else { throw MovieLensError.missingFile(path) }
        return try parseRatings(String(decoding: data, as: UTF8.self), file: path)
    }

    /// "Toy Story (1995)" → ("Toy Story", 1995); falls back to the release date's year.
    static func splitTitleYear(_ raw: String, releaseDate: String) -> (String, Int?) {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix(")"), let open = trimmed.lastIndex(of: "(") {
            let inside = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            if inside.count == 4, let year = Int(inside) {
                return (trimmed[..<open].trimmingCharacters(in: .whitespaces), year)
            }
        }
        return (trimmed, releaseDate.split(separator: "-").last.flatMap { Int($0) })
    }
}

public enum MovieLensError: Error, CustomStringConvertible {
    case missingFile(String)
    case badLine(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "cannot read \(path): point --movielens at a folder in the GroupLens ml-100k layout (u.item, u.user, u.data)"
        case .badLine(let file, let line, let reason):
            return "\(file) line \(line): \(reason)"
        }
    }
}
