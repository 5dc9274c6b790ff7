import Foundation
import Pipeline
import XCTest
import LinearAlgebra

/// The exported files must be what OpenAI's fine-tuning endpoints accept: one JSON object per line,
/// chat: `messages` system/user/assistant; DPO: `input.messages` plus one preferred and one
/// non-preferred assistant message; and every answer a ranking of the prompt's own ids.
final class FinetuneExportTests: XCTestCase {
    static let dataset: MovieLensDataset = {
        var generator = SeededGenerator(seed: 7)
        let genres = Array(MovieLensDataset.genreNames.dropFirst())
        let items = (1...60).map { Item(id: $0, title: "Movie \($0)", year: 1980 + $0 % 20, genres: [genres[$0 % genres.count]]) }
        var ratings = [Rating]()
        for user in 1...12 {
            let seen = Array((1...60).shuffled(using: &generator).prefix(25))
            for (t, item) in seen.enumerated() {
                ratings.append(Rating(userID: user, itemID: item, value: Float(1 + (item * user + t) % 5), timestamp: Int64(1_000 + t)))
            }
        }
        let users = (1...12).map { UserDemographics(id: $0, age: 20 + $0, gender: "M", occupation: "engineer", zip: "12345") }
        return MovieLensDataset(items: items, users: users, ratings: ratings)
    }()

    private func objects(_ format: FinetuneExamples.Format) throws -> [[String: Any]] {
        let lines = FinetuneExamples().lines(dataset: Self.dataset, users: 8, seed: 42, format: format)
        XCTAssertFalse(lines.isEmpty)
        return try lines.map { line in
            XCTAssertFalse(line.contains("\n"), "JSONL: one object per line")
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    private func assertRanking(_ content: String, shownIn prompt: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any], file: file, line: line)
        let ranking = try XCTUnwrap(answer["ranking"] as? [[String: String]], file: file, line: line)
        XCTAssertEqual(ranking.count, 10, file: file, line: line)
        let ids = ranking.compactMap { $0["id"] }
        XCTAssertEqual(Set(ids).count, ids.count, "ids repeat", file: file, line: line)
        for id in ids { XCTAssertTrue(prompt.contains("\n\(id): "), "\(id) not shown in the prompt", file: file, line: line) }
        XCTAssertTrue(ranking.allSatisfy { ($0["reason"] ?? "").count >= 3 }, "every entry explained", file: file, line: line)
    }

    func testChatFormat() throws {
        for object in try objects(.chat) {
            XCTAssertEqual(Array(object.keys), ["messages"])
            let messages = try XCTUnwrap(object["messages"] as? [[String: String]])
            XCTAssertEqual(messages.map { $0["role"] }, ["system", "user", "assistant"])
            let prompt = try XCTUnwrap(messages[1]["content"])
            XCTAssertFalse(prompt.contains("engineer"), "demographics are off by default")
            try assertRanking(try XCTUnwrap(messages[2]["content"]), shownIn: prompt)
        }
    }

    func testDPOFormat() throws {
        for object in try objects(.dpo) {
            XCTAssertEqual(Set(object.keys), ["input", "preferred_output", "non_preferred_output"])
            let messages = try XCTUnwrap((object["input"] as? [String: Any])?["messages"] as? [[String: String]])
            XCTAssertEqual(messages.map { $0["role"] }, ["system", "user"])
            let preferred = try XCTUnwrap(object["preferred_output"] as? [[String: String]])
            let rejected = try XCTUnwrap(object["non_preferred_output"] as? [[String: String]])
            XCTAssertEqual(preferred.map { $0["role"] }, ["assistant"])
            XCTAssertEqual(rejected.map { $0["role"] }, ["assistant"])
            XCTAssertNotEqual(preferred[0]["content"], rejected[0]["content"])
            try assertRanking(try XCTUnwrap(preferred[0]["content"]), shownIn: messages[1]["content"]!)
            try assertRanking(try XCTUnwrap(rejected[0]["content"]), shownIn: messages[1]["content"]!)
        }
    }

    func testSameSeedGivesTheSameFile() throws {
        let a = FinetuneExamples().lines(dataset: Self.dataset, users: 8, seed: 42, format: .chat)
        XCTAssertEqual(a, FinetuneExamples().lines(dataset: Self.dataset, users: 8, seed: 42, format: .chat))
        XCTAssertNotEqual(a, FinetuneExamples().lines(dataset: Self.dataset, users: 8, seed: 43, format: .chat))
    }
}
