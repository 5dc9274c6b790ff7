import Foundation

/// `movies.csv` of ML-20M, ML-25M and ml-latest: `movieId,title,genres` with a header row; titles that contain
/// commas are quoted (`"American President, The (1995)"`, quotes inside doubled).
enum MovieLensCSVFiles {
    static func parseMovies(_ text: String, file: String) throws -> [Item] {
        var items = [Item]()
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = fieldsOf(line)
            if number == 0, fields.first == "movieId" { continue }
            guard fields.count >= 3, let id = Int(fields[0]), id > 0, id <= Int(Int32.max) else {
                throw MovieLensError.badLine(file: file, line: number + 1, reason: "expected `movieId,title,genres`")
            }
            let (title, year) = MovieLensDataset.splitTitleYear(fields[1], releaseDate: "")
            items.append(Item(id: id, title: title, year: year, genres: MovieLensDataset.genreList(fields[2])))
        }
        return items
    }

    /// Splits one CSV record (RFC 4180 quoting).
    static func fieldsOf(_ line: Substring) -> [String] {
        var fields = [String]()
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    // A doubled quote is a literal quote; a single one closes the field.
                    if let following = iterator.next() {
                        if following == "\"" { current.append("\"") } else {
                            quoted = false
                            if following == "," { fields.append(current); current = "" } else { current.append(following) }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    /// Quotes a field when it needs it.
    static func quote(_ field: String) -> String {
        guard field.contains(",") || field.contains("\"") else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
