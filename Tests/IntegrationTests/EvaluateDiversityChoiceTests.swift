import Foundation
import Pipeline
import TestSupport
import XCTest

/// `recworker evaluate --choose-diversity`: the validation curve, the chosen λ, and the test rows at λ = 0 and the
/// chosen λ, on a generated MovieLens folder.
final class EvaluateDiversityChoiceTests: XCTestCase {
    func testTheChosenLambdaIsReportedWithTheCurveAndEvaluated() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("choose-div-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in MovieLensWriter.files(for: SyntheticMovieLens(users: 80, items: 150, ratingsPerUser: 25, seed: 3).generate()) {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .isoLatin1)
        }
        let output = try RecworkerBinary.locate().run([
            "evaluate", "--movielens", folder.path, "--models", "blend", "--choose-diversity", "--validation-folds", "2",
            "--diversity", "0.2,0.4", "--output", folder.appendingPathComponent("eval").path,
        ], environment: ["DATABASE_URL": ""])
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertTrue(output.stdout.contains("Diversity λ on 2 validation folds"), output.stdout)
        let curve = output.stdout.split(separator: "\n").filter { $0.hasPrefix("| 0.") }
        XCTAssertEqual(curve.count, 3, "λ = 0 is always on the grid:\n\(output.stdout)")
        let chosenLine = try XCTUnwrap(curve.first { $0.contains("**chosen**") }, output.stdout)
        let chosen = try XCTUnwrap(Double(chosenLine.split(separator: "|")[0].split(separator: " ")[0]))
        XCTAssertEqual(output.stderr.components(separatedBy: "fold ").count - 1, 6, "2 folds × 3 λ")
        XCTAssertTrue(output.stdout.contains("| blend |"), output.stdout)
        if chosen > 0 { XCTAssertTrue(output.stdout.contains("| blend div=\(chosen) |"), output.stdout) }
    }
}
