import Foundation

/// The GroupLens MovieLens releases recworker reads, told apart by the files in the folder.
///
/// Every release's user and movie ids are positive integers below 2³¹ (the largest, ml-latest's movieId,
/// is under 300,000), so they are kept as they are: the `items`/`users` tables, events and published rows
/// all carry the original ids, and only the models' `IDIndex` maps them to dense indices.
public enum MovieLensLayout: String, Sendable, CaseIterable, Codable {
    /// ML-100K: `u.data` (tab-separated), `u.item` (`|`, Latin-1, 19 genre flags), `u.user`.
    case ml100k = "ml-100k"
    /// ML-1M: `ratings.dat`, `movies.dat` (Latin-1), `users.dat`, fields separated by `::`.
    case ml1m = "ml-1m"
    /// ML-10M: `ratings.dat` (half stars) and `movies.dat`, no `users.dat`: no demographics.
    case ml10m = "ml-10m"
    /// ML-20M, ML-25M, ml-latest and ml-latest-small: `ratings.csv` and `movies.csv` with a header row,
    /// quoted titles, `|`-separated genres; no demographics.
    case csv = "ml-20m"

    /// The file holding the ratings.
    public var ratingsFile: String {
        switch self {
        case .ml100k: "u.data"
        case .ml1m, .ml10m: "ratings.dat"
        case .csv: "ratings.csv"
        }
    }

    public var itemsFile: String {
        switch self {
        case .ml100k: "u.item"
        case .ml1m, .ml10m: "movies.dat"
        case .csv: "movies.csv"
        }
    }

    /// The demographics file, for the layouts that ship one.
    public var usersFile: String? {
        switch self {
        case .ml100k: "u.user"
        case .ml1m: "users.dat"
        case .ml10m, .csv: nil
        }
    }

    /// The genre names the release's README lists (what its files use).
    public var genreNames: [String] {
        switch self {
        case .ml100k: MovieLensDataset.genreNames
        case .ml1m: Array(MovieLensDataset.genreNames.dropFirst())
        case .ml10m, .csv:
            ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy", "Film-Noir",
             "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
        }
    }

    /// Which release a folder holds, from the files present.
    public static func detect(in directory: String) throws -> MovieLensLayout {
        let exists = { (name: String) in FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name)) }
        if exists("u.data") { return .ml100k }
        if exists("ratings.dat") { return exists("users.dat") ? .ml1m : .ml10m }
        if exists("ratings.csv") { return .csv }
        throw MovieLensError.unknownLayout(directory)
    }
}
