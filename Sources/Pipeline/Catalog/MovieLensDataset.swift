import Foundation

/// A GroupLens MovieLens release read from a folder: ML-100K, ML-1M, ML-10M, ML-20M, ML-25M or ml-latest(-small),
/// told apart by the files present (`MovieLensLayout`). Ids are the release's own.
public struct MovieLensDataset: Sendable {
    public var items: [Item]
    /// Empty for the releases without demographics (ML-10M, ML-20M and later).
    public var users: [UserDemographics]
    public var ratings: [Rating]
    public var layout: MovieLensLayout

    public init(items: [Item], users: [UserDemographics], ratings: [Rating], layout: MovieLensLayout = .ml100k) {
        self.items = items
        self.users = users
        self.ratings = ratings
        self.layout = layout
    }

    /// ML-100K's genre list, in the order of `u.item`'s flags.
    public static let genreNames = [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
        "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ]

    /// Says what the fairness breakdown can use: the demographics file, or why there is none.
    public var demographicsNote: String? {
        users.isEmpty ? "no demographics: the \(layout.rawValue) layout has no users file, so there is no per-group breakdown or fairness summary" : nil
    }

    /// Reads a folder in any GroupLens layout. Errors name the file and line that could not be read.
    public static func load(from directory: String) throws -> MovieLensDataset {
        let layout = try MovieLensLayout.detect(in: directory)
        let itemsPath = path(directory, layout.itemsFile)
        let itemsText = try text(itemsPath)
        let items: [Item] = switch layout {
        case .ml100k: try parseItems(itemsText, file: itemsPath)
        case .ml1m, .ml10m: try MovieLensDatFiles.parseMovies(itemsText, file: itemsPath)
        case .csv: try MovieLensCSVFiles.parseMovies(itemsText, file: itemsPath)
        }
        var users = [UserDemographics]()
        if let usersFile = layout.usersFile {
            let usersPath = path(directory, usersFile)
            users = layout == .ml100k ? try parseUsers(try text(usersPath), file: usersPath)
                : try MovieLensDatFiles.parseUsers(try text(usersPath), file: usersPath)
        }
        return MovieLensDataset(items: items, users: users, ratings: try loadRatings(path: path(directory, layout.ratingsFile)),
                                layout: layout)
    }

    /// The ratings of a folder in any GroupLens layout, without reading the catalogue.
    public static func loadRatings(folder directory: String) throws -> [Rating] {
        try loadRatings(path: path(directory, try MovieLensLayout.detect(in: directory).ratingsFile))
    }

    private static func path(_ directory: String, _ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// A catalogue file's text: UTF-8 when it is valid UTF-8 (ML-20M and later), else Latin-1 (`u.item`,
    /// ML-1M's `movies.dat`, whose accented titles are single bytes).
    private static func text(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw MovieLensError.missingFile(path) }
        return String(validating: data, as: UTF8.self) ?? String(data: data, encoding: .isoLatin1) ?? ""
    }

    /// `Action|Comedy` → ["Action", "Comedy"]; ML-20M's "(no genres listed)" → [].
    static func genreList(_ field: String) -> [String] {
        field.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0 != "(no genres listed)" }
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

    /// Ratings in any layout's format: tab-separated `u.data`, `::`-separated `ratings.dat`, `ratings.csv` with its
    /// header (also the formats of ready train/test split files).
    public static func parseRatings(_ text: String, file: String) throws -> [Rating] {
        try RatingsParser.parse(Array(text.utf8), file: file)
    }

    /// Reads a ratings file on its own (for `--train FILE --test FILE`), in any layout's format.
    public static func loadRatings(path: String) throws -> [Rating] {
        guard let data = FileManager.default.contents(atPath: path) else { throw MovieLensError.missingFile(path) }
        return try RatingsParser.parse([UInt8](data), file: path)
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
