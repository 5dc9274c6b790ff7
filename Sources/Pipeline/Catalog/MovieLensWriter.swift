import Foundation

/// Renders a dataset in a GroupLens layout (the inverse of `MovieLensDataset.load`).
public enum MovieLensWriter {
    /// The ml-100k layout as text (`u.item` must be written as Latin-1).
    public static func files(for dataset: MovieLensDataset) -> [String: String] {
        let genreNames = MovieLensDataset.genreNames
        let items = dataset.items.map { item -> String in
            let flags = genreNames.map { item.genres.contains($0) ? "1" : "0" }
            let title = item.year.map { "\(item.title) (\($0))" } ?? item.title
            let date = item.year.map { "01-Jan-\($0)" } ?? ""
            return ([String(item.id), title, date, "", ""] + flags).joined(separator: "|")
        }
        let users = dataset.users.map {
            [String($0.id), $0.age.map(String.init) ?? "", $0.gender ?? "", $0.occupation ?? "", $0.zip ?? ""].joined(separator: "|")
        }
        let ratings = dataset.ratings.map { "\($0.userID)\t\($0.itemID)\t\(Int($0.value))\t\($0.timestamp)" }
        let genres = genreNames.enumerated().map { "\($1)|\($0)" }
        return [
            "u.item": items.joined(separator: "\n") + "\n",
            "u.user": users.joined(separator: "\n") + "\n",
            "u.data": ratings.joined(separator: "\n") + "\n",
            "u.genre": genres.joined(separator: "\n") + "\n",
        ]
    }

    /// Every file of `layout` as bytes, encoded as that release encodes them (Latin-1 `.dat`/`u.item`,
    /// UTF-8 CSV). Layouts without demographics drop the users.
    public static func encodedFiles(for dataset: MovieLensDataset, layout: MovieLensLayout) -> [String: [UInt8]] {
        switch layout {
        case .ml100k:
            return files(for: dataset).mapValues { latin1($0) }
        case .ml1m, .ml10m:
            let movies = dataset.items.map { "\($0.id)::\(titleWithYear($0))::\($0.genres.joined(separator: "|"))" }
            var files = ["movies.dat": latin1(movies.joined(separator: "\n") + "\n"),
                         "ratings.dat": ratingLines(dataset.ratings, separator: "::", header: nil, alwaysDecimal: false)]
            if layout == .ml1m {
                let users = dataset.users.map {
                    "\($0.id)::\($0.gender ?? "M")::\(MovieLensDatFiles.ageCode($0.age))::\(MovieLensDatFiles.occupationCode($0.occupation))::\($0.zip ?? "")"
                }
                files["users.dat"] = latin1(users.joined(separator: "\n") + "\n")
            }
            return files
        case .csv:
            let movies = ["movieId,title,genres"] + dataset.items.map {
                "\($0.id),\(MovieLensCSVFiles.quote(titleWithYear($0))),\($0.genres.isEmpty ? "(no genres listed)" : $0.genres.joined(separator: "|"))"
            }
            return ["movies.csv": Array((movies.joined(separator: "\n") + "\n").utf8),
                    "ratings.csv": ratingLines(dataset.ratings, separator: ",", header: "userId,movieId,rating,timestamp", alwaysDecimal: true)]
        }
    }

    /// Writes `layout`'s files into `directory` (created if missing); returns the file names.
    @discardableResult
    public static func write(_ dataset: MovieLensDataset, layout: MovieLensLayout, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = encodedFiles(for: dataset, layout: layout)
        for (name, bytes) in files {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
        return files.keys.sorted()
    }

    /// Ratings in `layout`'s own ratings-file format (for re-encoding ready split files).
    public static func ratingsFile(_ ratings: [Rating], layout: MovieLensLayout) -> [UInt8] {
        switch layout {
        case .ml100k: ratingLines(ratings, separator: "\t", header: nil, alwaysDecimal: false)
        case .ml1m, .ml10m: ratingLines(ratings, separator: "::", header: nil, alwaysDecimal: false)
        case .csv: ratingLines(ratings, separator: ",", header: "userId,movieId,rating,timestamp", alwaysDecimal: true)
        }
    }

    private static func titleWithYear(_ item: Item) -> String { item.year.map { "\(item.title) (\($0))" } ?? item.title }

    private static func latin1(_ text: String) -> [UInt8] {
        text.data(using: .isoLatin1, allowLossyConversion: true).map { [UInt8]($0) } ?? Array(text.utf8)
    }

    /// Built byte by byte: ML-20M shape is 20 million lines.
    private static func ratingLines(_ ratings: [Rating], separator: String, header: String?, alwaysDecimal: Bool) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(ratings.count * 28 + 64)
        if let header { bytes += header.utf8; bytes.append(UInt8(ascii: "\n")) }
        let separator = Array(separator.utf8)
        func append(_ value: Int64) {
            if value < 0 { bytes.append(UInt8(ascii: "-")); append(-value); return }
            if value >= 10 { append(value / 10) }
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        for rating in ratings {
            append(Int64(rating.userID)); bytes += separator
            append(Int64(rating.itemID)); bytes += separator
            let tenths = Int64((rating.value * 10).rounded())
            append(tenths / 10)
            if alwaysDecimal || tenths % 10 != 0 { bytes.append(UInt8(ascii: ".")); append(tenths % 10) }
            bytes += separator
            append(rating.timestamp)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}
