import Foundation
import Pipeline
import XCTest

final class PromptBuilderTests: XCTestCase {
    static let history: [HistoryEntry] = [
        HistoryEntry(item: Item(id: 100, title: "Fargo", year: 1996, genres: ["Crime", "Drama", "Thriller"]), type: .rating, value: 5, timestamp: 900_000_000),
        HistoryEntry(item: Item(id: 127, title: "Godfather, The", year: 1972, genres: ["Action", "Crime", "Drama"]), type: .watch, value: 1, timestamp: 899_000_000),
        HistoryEntry(item: Item(id: 1, title: "Toy Story", year: 1995, genres: ["Animation", "Children's", "Comedy"]), type: .rating, value: 2, timestamp: 898_000_000),
        HistoryEntry(item: Item(id: 300, title: "Air Force One", year: 1997, genres: ["Action", "Thriller"]), type: .rating, value: 3.5, timestamp: 897_000_000),
    ]

    static func request(candidates: Int = 5, limit: Int = 3) -> RerankRequest {
        let items = [
            Item(id: 50, title: "Star Wars", year: 1977, genres: ["Action", "Sci-Fi"]),
            Item(id: 56, title: "Pulp Fiction", year: 1994, genres: ["Crime", "Drama"]),
            Item(id: 98, title: "Silence of the Lambs, The", year: 1991, genres: ["Drama", "Thriller"]),
            Item(id: 71, title: "Lion King, The", year: 1994, genres: ["Animation"]),
            Item(id: 1682, title: "Scream of Stone", year: nil, genres: []),
        ]
        let profile = UserProfile(
            userID: 4242, demographics: UserDemographics(id: 4242, age: 31, gender: "F", occupation: "writer", zip: "02139"),
            countsByType: [.rating: 3, .watch: 1], ratingCount: 3, ratingSum: 10.5, ratingSumOfSquares: 41.25, recentHistory: history)
        return RerankRequest(userID: 4242, profile: profile, candidates: items.prefix(candidates).enumerated().map { Candidate(item: $1, score: 5 - Double($0)) }, limit: limit)
    }

    /// Golden files live beside the tests; set RECWORKER_UPDATE_GOLDEN=1 to rewrite them after an intended change.
    private func assertGolden(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["RECWORKER_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text, expected, "prompt changed; if intended, rerun with RECWORKER_UPDATE_GOLDEN=1", file: file, line: line)
    }

    func testDefaultPromptMatchesGoldenFile() throws {
        let prompt = PromptBuilder().prompt(for: Self.request())
        try assertGolden(prompt.system + "\n---\n" + prompt.user + "\n", "prompt-default.txt")
        XCTAssertEqual(prompt.shownIDs, ["C1", "C2", "C3", "C4", "C5"])
        XCTAssertEqual(prompt.shownItemIDs, [50, 56, 98, 71, 1682])
        XCTAssertEqual(prompt.rankCount, 3)
        XCTAssertTrue(prompt.withinBudget)
    }

    func testDemographicsAppearOnlyWhenAllowed() throws {
        let withheld = PromptBuilder().prompt(for: Self.request()).user
        XCTAssertFalse(withheld.contains("female") || withheld.contains("writer") || withheld.contains("25-34"))
        let allowed = PromptBuilder(config: PromptConfig(includeDemographics: true)).prompt(for: Self.request())
        try assertGolden(allowed.user + "\n", "prompt-demographics.txt")
        XCTAssertTrue(allowed.user.contains("female") && allowed.user.contains("writer"))
        XCTAssertFalse(allowed.user.contains("02139"), "zip codes are never shown")
    }

    func testPromptNeverContainsTheUserID() {
        let prompt = PromptBuilder().prompt(for: Self.request())
        XCTAssertFalse(prompt.user.contains("4242") || prompt.system.contains("4242"))
    }

    func testTruncationCutsHistoryBeforeCandidates() {
        let full = PromptBuilder().prompt(for: Self.request())
        // A budget a little below the full prompt: history goes first, down to minHistory.
        let tight = PromptBuilder(config: PromptConfig(minHistory: 2, promptTokenBudget: full.estimatedPromptTokens - 5)).prompt(for: Self.request())
        XCTAssertTrue(tight.withinBudget)
        XCTAssertLessThan(tight.historyShown, 4)
        XCTAssertGreaterThanOrEqual(tight.historyShown, 2)
        XCTAssertEqual(tight.shownIDs.count, 5, "candidates are cut only once history is at its floor")

        // Far tighter: history at its floor, then candidates down to the ranked count, then the rest of history.
        let squeezed = PromptBuilder(config: PromptConfig(minHistory: 2, promptTokenBudget: 10)).prompt(for: Self.request())
        XCTAssertFalse(squeezed.withinBudget)
        XCTAssertEqual(squeezed.shownIDs.count, 3, "never fewer candidates than the ranked count")
        XCTAssertEqual(squeezed.historyShown, 0)
        XCTAssertEqual(squeezed.user.contains("Recent history: none yet."), true)
    }

    func testEstimatesAreUpperBoundsOfTheText() {
        let prompt = PromptBuilder().prompt(for: Self.request())
        XCTAssertGreaterThanOrEqual(prompt.estimatedPromptTokens, (prompt.system.utf8.count + prompt.user.utf8.count) / 4)
        XCTAssertEqual(prompt.maxCompletionTokens, 16 + 3 * PromptConfig().completionTokensPerItem)
    }

    func testPseudonymsAreStableKeyedAndOpaque() {
        let a = Pseudonymizer(key: "k1")
        XCTAssertEqual(a.pseudonym(for: 7), a.pseudonym(for: 7))
        XCTAssertNotEqual(a.pseudonym(for: 7), a.pseudonym(for: 8))
        XCTAssertNotEqual(a.pseudonym(for: 7), Pseudonymizer(key: "k2").pseudonym(for: 7))
        XCTAssertFalse(a.pseudonym(for: 4242).contains("4242"))
    }

    func testSHA256MatchesKnownVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(String(repeating: "a", count: 1_000)), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
