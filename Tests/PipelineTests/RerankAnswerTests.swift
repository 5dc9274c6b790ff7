import Pipeline
import XCTest

final class RerankAnswerTests: XCTestCase {
    let ids = ["C1": 50, "C2": 56, "C3": 98]

    func testStructuredAnswer() {
        let answer = RerankAnswer.parse(#"{"ranking":[{"id":"C2","reason":"crime"},{"id":"C1","reason":" "}]}"#, itemIDByShortID: ids)
        XCTAssertEqual(answer.picks, [.init(itemID: 56, reason: "crime"), .init(itemID: 50, reason: nil)])
        XCTAssertFalse(answer.salvaged)
    }

    func testProseFencesBareArraysAndPlainIds() {
        XCTAssertEqual(RerankAnswer.parse("Here you go:\n```json\n[\"c3\", \"C1\"]\n```", itemIDByShortID: ids).picks.map(\.itemID), [98, 50])
        XCTAssertEqual(RerankAnswer.parse(#"{"recommendations":[{"item":"C3","explanation":"tense"}]}"#, itemIDByShortID: ids).picks,
                       [.init(itemID: 98, reason: "tense")])
    }

    func testTruncatedAnswerKeepsCompleteEntries() {
        let answer = RerankAnswer.parse(#"{"ranking":[{"id":"C3","reason":"a {brace} in text"},{"id":"C2","reas"#, itemIDByShortID: ids)
        XCTAssertEqual(answer.picks, [.init(itemID: 98, reason: "a {brace} in text")])
        XCTAssertTrue(answer.salvaged)
    }

    func testUnknownIdsAreReported() {
        let answer = RerankAnswer.parse(#"{"ranking":[{"id":"C9"},{"id":"C1"}]}"#, itemIDByShortID: ids)
        XCTAssertEqual(answer.picks.map(\.itemID), [50])
        XCTAssertEqual(answer.unknownIDs, ["C9"])
    }

    func testGarbageYieldsNoPicks() {
        XCTAssertTrue(RerankAnswer.parse("I cannot help with that.", itemIDByShortID: ids).picks.isEmpty)
        XCTAssertTrue(RerankAnswer.parse(#"{"ranking":[]}"#, itemIDByShortID: ids).picks.isEmpty)
    }
}
