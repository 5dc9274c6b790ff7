import Foundation
import Pipeline
import TestSupport
import XCTest

/// `recworker evaluate` on one split written in the ML-100K, ML-1M and CSV (ML-20M) layouts — the folder and the
/// ready train/test files — reports identical metrics.
final class EvaluateLayoutsTests: XCTestCase {
    func testSameSplitInEveryLayoutGivesIdenticalMetrics() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("evaluate-layouts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let dataset = SyntheticMovieLens(users: 80, items: 150, ratingsPerUser: 25, seed: 9).generate()
        let split = RatingSplit.perUserRandom(dataset.ratings, seed: 4)
        let binary = try RecworkerBinary.locate()
        var tables = [MovieLensLayout: [String]]()
        for (layout, fileExtension) in [(MovieLensLayout.ml100k, "tsv"), (.ml1m, "dat"), (.csv, "csv")] {
            let folder = root.appendingPathComponent(layout.rawValue)
            try MovieLensWriter.write(dataset, layout: layout, to: folder.path)
            let train = folder.appendingPathComponent("train.\(fileExtension)"), test = folder.appendingPathComponent("test.\(fileExtension)")
            try Data(MovieLensWriter.ratingsFile(split.train, layout: layout)).write(to: train)
            try Data(MovieLensWriter.ratingsFile(split.test, layout: layout)).write(to: test)
            let output = folder.appendingPathComponent("result").path
            let run = try binary.run(["evaluate", "--movielens", folder.path, "--train", train.path, "--test", test.path, "--k", "10",
                                      "--models", "popularity,item-knn,als,ease,blend", "--output", output],
                                     environment: ["DATABASE_URL": ""])
            XCTAssertEqual(run.status, 0, run.stderr)
            // Every column but the training time.
            let csv = try String(contentsOfFile: output + ".csv", encoding: .utf8)
            tables[layout] = csv.split(separator: "\n").map { line in
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                return fields.enumerated().filter { $0.offset != 8 }.map(\.element).joined(separator: ",")
            }
        }
        XCTAssertEqual(tables[.ml100k]?.count, 6)
        XCTAssertEqual(tables[.ml1m], tables[.ml100k])
        XCTAssertEqual(tables[.csv], tables[.ml100k])
        XCTAssertGreaterThan(Double(tables[.ml100k]?.last?.split(separator: ",")[5] ?? "") ?? 0, 0, "the blend should rank some held-out items")
    }
}
