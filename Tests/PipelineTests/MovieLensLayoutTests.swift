import Foundation
import Pipeline
import XCTest

/// One loader for every GroupLens layout: small fixture folders written as each release writes its files
/// (separators, header rows, quoting, Latin-1 titles, half stars, sparse ids) must give the same ratings.
final class MovieLensLayoutTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("movielens-layouts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    /// (user, item, rating, timestamp) every fixture holds, in file order.
    private let expected: [Rating] = [
        Rating(userID: 1, itemID: 1, value: 5, timestamp: 978_300_760),
        Rating(userID: 1, itemID: 131_262, value: 3.5, timestamp: 978_302_109),
        Rating(userID: 2, itemID: 11, value: 1, timestamp: 978_301_968),
        Rating(userID: 2, itemID: 1, value: 4, timestamp: 978_300_275),
    ]

    private func folder(_ name: String, _ files: [String: [UInt8]]) throws -> String {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (file, bytes) in files { try Data(bytes).write(to: url.appendingPathComponent(file)) }
        return url.path
    }

    private func latin1(_ text: String) -> [UInt8] { [UInt8](text.data(using: .isoLatin1)!) }

    func testML100KLayout() throws {
        let path = try folder("ml-100k", [
            "u.data": Array("1\t1\t5\t978300760\n1\t131262\t3.5\t978302109\n2\t11\t1\t978301968\n2\t1\t4\t978300275\n".utf8),
            "u.item": latin1("1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
                + "11|Misérables, Les (1995)|01-Jan-1995||http://x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n"
                + "131262|Innocence (2014)|01-Jan-2014||http://x|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"),
            "u.user": Array("1|24|M|technician|85711\n2|53|F|other|94043\n".utf8),
        ])
        let dataset = try MovieLensDataset.load(from: path)
        XCTAssertEqual(dataset.layout, .ml100k)
        XCTAssertEqual(dataset.ratings, expected)
        XCTAssertEqual(dataset.items.map(\.title), ["Toy Story", "Misérables, Les", "Innocence"])
        XCTAssertEqual(dataset.items[0].genres, ["Animation", "Children's", "Comedy"])
        XCTAssertEqual(dataset.users.map(\.occupation), ["technician", "other"])
        XCTAssertNil(dataset.demographicsNote)
    }

    func testML1MLayout() throws {
        let path = try folder("ml-1m", [
            "ratings.dat": Array("1::1::5::978300760\n1::131262::3.5::978302109\n2::11::1::978301968\n2::1::4::978300275\n".utf8),
            "movies.dat": latin1("1::Toy Story (1995)::Animation|Children's|Comedy\n11::Misérables, Les (1995)::Drama\n"
                + "131262::Innocence (2014)::Adventure\n"),
            "users.dat": Array("1::F::1::10::48067\n2::M::56::16::70072\n".utf8),
        ])
        let dataset = try MovieLensDataset.load(from: path)
        XCTAssertEqual(dataset.layout, .ml1m)
        XCTAssertEqual(dataset.ratings, expected)
        XCTAssertEqual(dataset.items.map(\.title), ["Toy Story", "Misérables, Les", "Innocence"])
        XCTAssertEqual(dataset.items.map(\.year), [1995, 1995, 2014])
        XCTAssertEqual(dataset.items[0].genres, ["Animation", "Children's", "Comedy"])
        XCTAssertEqual(dataset.users.map(\.ageBand), ["under 18", "56+"])
        XCTAssertEqual(dataset.users.map(\.occupation), ["K-12 student", "self-employed"])
        XCTAssertEqual(dataset.users.map(\.gender), ["F", "M"])
        XCTAssertNil(dataset.demographicsNote)
    }

    func testML10MLayoutHasNoDemographics() throws {
        let path = try folder("ml-10M100K", [
            "ratings.dat": Array("1::1::5::978300760\n1::131262::3.5::978302109\n2::11::1::978301968\n2::1::4::978300275\n".utf8),
            "movies.dat": Array("1::Toy Story (1995)::Adventure|Animation|Children|Comedy|Fantasy\n11::Misérables, Les (1995)::Drama\n131262::Innocence (2014)::(no genres listed)\n".utf8),
        ])
        let dataset = try MovieLensDataset.load(from: path)
        XCTAssertEqual(dataset.layout, .ml10m)
        XCTAssertEqual(dataset.ratings, expected)
        XCTAssertEqual(dataset.items[1].title, "Misérables, Les")
        XCTAssertEqual(dataset.items[0].genres, ["Adventure", "Animation", "Children", "Comedy", "Fantasy"])
        XCTAssertEqual(dataset.items[2].genres, [])
        XCTAssertTrue(dataset.users.isEmpty)
        XCTAssertEqual(dataset.demographicsNote?.contains("no demographics"), true)
    }

    func testCSVLayoutWithHeaderQuotesAndSparseIDs() throws {
        let path = try folder("ml-latest-small", [
            "ratings.csv": Array("userId,movieId,rating,timestamp\r\n1,1,5.0,978300760\r\n1,131262,3.5,978302109\r\n2,11,1.0,978301968\r\n2,1,4.0,978300275\r\n".utf8),
            "movies.csv": Array("movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n11,\"Misérables, Les (1995)\",Drama\n131262,\"Innocence, or \"\"The Road\"\" (2014)\",Adventure|IMAX\n".utf8),
        ])
        let dataset = try MovieLensDataset.load(from: path)
        XCTAssertEqual(dataset.layout, .csv)
        XCTAssertEqual(dataset.ratings, expected)
        XCTAssertEqual(dataset.items.map(\.title), ["Toy Story", "Misérables, Les", "Innocence, or \"The Road\""])
        XCTAssertEqual(dataset.items.map(\.id), [1, 11, 131_262])
        XCTAssertEqual(dataset.items[2].genres, ["Adventure", "IMAX"])
        XCTAssertEqual(dataset.items[2].year, 2014)
        XCTAssertTrue(dataset.users.isEmpty)
        XCTAssertNotNil(dataset.demographicsNote)
        XCTAssertEqual(try MovieLensDataset.loadRatings(folder: path), expected)
    }

    func testUnknownFolderSaysWhatToPointAt() throws {
        let path = try folder("empty", ["README": Array("nothing".utf8)])
        XCTAssertThrowsError(try MovieLensDataset.load(from: path)) { error in
            XCTAssertTrue("\(error)".contains("u.data, ratings.dat, ratings.csv"), "\(error)")
        }
    }

    func testBadRatingLineNamesFileAndLine() throws {
        let path = try folder("bad", ["ratings.dat": Array("1::1::5::978300760\n1::x::3::978302109\n".utf8), "movies.dat": []])
        XCTAssertThrowsError(try MovieLensDataset.loadRatings(folder: path)) { error in
            XCTAssertTrue("\(error)".hasSuffix("ratings.dat line 2: expected `user item rating timestamp` (tab, `::` or comma separated)"), "\(error)")
        }
    }

    /// Whatever layout a dataset is written in, reading it back gives the same ratings, titles and genres.
    func testWriterRoundTripsEveryLayout() throws {
        let dataset = ShapedMovieLens(shape: MovieLensShape.ml1m.scaled(users: 0.01), seed: 3).generate()
        for layout in [MovieLensLayout.ml100k, .ml1m, .ml10m, .csv] {
            var source = dataset
            if layout == .ml100k {
                // u.item has ML-100K's genre flags only.
                source.items = source.items.map { var item = $0; item.genres = item.genres.filter(MovieLensDataset.genreNames.contains); return item }
            }
            let path = root.appendingPathComponent("round-\(layout.rawValue)").path
            try MovieLensWriter.write(source, layout: layout, to: path)
            let loaded = try MovieLensDataset.load(from: path)
            XCTAssertEqual(loaded.layout, layout)
            XCTAssertEqual(loaded.ratings, source.ratings, "\(layout)")
            XCTAssertEqual(loaded.items.map(\.title), source.items.map(\.title), "\(layout)")
            XCTAssertEqual(loaded.items.map(\.genres), source.items.map(\.genres), "\(layout)")
            XCTAssertEqual(loaded.users.count, layout.usersFile == nil ? 0 : source.users.count, "\(layout)")
        }
    }
}
