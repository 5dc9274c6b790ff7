import Foundation

/// `movies.dat` and `users.dat` of ML-1M and ML-10M: fields separated by `::`.
enum MovieLensDatFiles {
    /// ML-1M's occupation codes (its README); `users.dat` stores the code.
    static let occupations = [
        "other", "academic/educator", "artist", "clerical/admin", "college/grad student", "customer service",
        "doctor/health care", "executive/managerial", "farmer", "homemaker", "K-12 student", "lawyer", "programmer",
        "retired", "sales/marketing", "scientist", "self-employed", "technician/engineer", "tradesman/craftsman",
        "unemployed", "writer",
    ]

    /// `MovieID::Title (Year)::Genre|Genre`.
    static func parseMovies(_ text: String, file: String) throws -> [Item] {
        var items = [Item]()
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.components(separatedBy: "::")
            guard fields.count >= 3, let id = Int(fields[0]), id > 0, id <= Int(Int32.max) else {
                throw MovieLensError.badLine(file: file, line: number + 1, reason: "expected `MovieID::Title::Genres`")
            }
            let (title, year) = MovieLensDataset.splitTitleYear(fields[1], releaseDate: "")
            items.append(Item(id: id, title: title, year: year, genres: MovieLensDataset.genreList(fields[2])))
        }
        return items
    }

    /// `UserID::Gender::Age::Occupation::Zip-code`; Age is ML-1M's band code (1, 18, 25, 35, 45, 50, 56), which
    /// `UserDemographics.ageBand` maps to the same bands.
    static func parseUsers(_ text: String, file: String) throws -> [UserDemographics] {
        try text.split(whereSeparator: \.isNewline).enumerated().map { number, line in
            let fields = line.components(separatedBy: "::")
            guard fields.count >= 5, let id = Int(fields[0]) else {
                throw MovieLensError.badLine(file: file, line: number + 1, reason: "expected `UserID::Gender::Age::Occupation::Zip-code`")
            }
            let occupation = Int(fields[3]).flatMap { occupations.indices.contains($0) ? occupations[$0] : nil } ?? fields[3]
            return UserDemographics(id: id, age: Int(fields[2]), gender: fields[1], occupation: occupation, zip: fields[4])
        }
    }

    /// The band code ML-1M would store for an age.
    static func ageCode(_ age: Int?) -> Int {
        guard let age else { return 1 }
        return [56, 50, 45, 35, 25, 18].first { age >= $0 } ?? 1
    }

    static func occupationCode(_ occupation: String?) -> Int { occupation.flatMap { occupations.firstIndex(of: $0) } ?? 0 }
}
