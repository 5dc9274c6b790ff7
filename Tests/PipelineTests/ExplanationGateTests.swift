import Pipeline
import XCTest

/// Only LLM reasons worth reading are published; the rest fall back to each item's template explanation while the
/// list keeps the LLM's order and `source = llm`.
final class ExplanationGateTests: XCTestCase {
    private let request = PromptBuilderTests.request(candidates: 5, limit: 5)

    private func ground(_ reasons: [Int: String], limit: Int = 280) -> [RankedItem] {
        let picks = request.candidates.map { Grounding.Pick(itemID: $0.item.id, reason: reasons[$0.item.id]) }
        return Grounding.ground(picks, in: request, gate: ExplanationGate(reasonLimit: limit))
    }

    private func template(_ id: Int) -> String {
        TemplateExplanation.text(for: request.candidates.first { $0.item.id == id }!.item, profile: request.profile)
    }

    func testDistinctReadableReasonsAreKept() {
        let reasons = [50: "Space adventure with a classic hero's journey.", 56: "Sharp dialogue and a crime story told out of order.",
                       98: "A tense psychological thriller.", 71: "Animated family drama with great songs.", 1682: "Mountain climbing drama."]
        let items = ground(reasons)
        XCTAssertEqual(items.map(\.explanation), request.candidates.map { reasons[$0.item.id]! })
        XCTAssertTrue(items.allSatisfy { $0.explanationSource == .llm })
    }

    func testAReasonCutByTheLengthCapEndsAtAWordBoundary() {
        let cut = "I like to watch movies with a lot of action, adventure, and/"
        let items = ground([50: cut, 56: "A crime classic told out of order."], limit: cut.count)
        // "and/" was cut mid-word: it goes, and so does the comma left dangling.
        XCTAssertEqual(items[0].explanation, "I like to watch movies with a lot of action, adventure…")
        XCTAssertEqual(items[0].explanationSource, .llm)
        let midWord = "A sweeping space opera with unforgettable charac"
        let trimmed = ground([50: midWord], limit: midWord.count)[0].explanation
        XCTAssertEqual(trimmed, "A sweeping space opera with unforgettable…")
    }

    func testTheSameReasonOnEveryItemFallsBackToTemplates() {
        let same = "I like to watch movies with a lot of action."
        let items = ground(Dictionary(uniqueKeysWithValues: request.candidates.map { ($0.item.id, same) }))
        XCTAssertEqual(items.map(\.explanation), request.candidates.map { template($0.item.id) })
        XCTAssertTrue(items.allSatisfy { $0.explanationSource == .template })
        // Case and punctuation do not make a repeat distinct.
        let pair = ground([50: "Great action film!", 56: "great action film", 98: "A tense psychological thriller."])
        XCTAssertEqual(pair.map(\.explanationSource), [.template, .template, .llm, .template, .template])
    }

    func testEchoesOfThePromptAndEmptyReasonsFallBack() {
        let echo = "You rerank candidate movies for one user and explain"
        let items = ground([50: echo, 56: "   ", 98: "ok"])
        XCTAssertEqual(items[0].explanation, template(50))
        XCTAssertEqual(items[1].explanation, template(56))
        XCTAssertEqual(items[2].explanation, template(98))
        XCTAssertTrue(items.allSatisfy { $0.explanationSource == .template })
    }

    func testAReasonNamingAnotherCandidateFallsBack() {
        let items = ground([50: "If you liked Pulp Fiction you will enjoy this.", 71: "The Lion King is a heartfelt animated classic.",
                            98: "Better than The Lion King for thriller fans."])
        XCTAssertEqual(items[0].explanationSource, .template, "names Pulp Fiction on Star Wars's row")
        XCTAssertEqual(items[3].explanationSource, .llm, "its own title is fine")
        XCTAssertEqual(items[2].explanationSource, .template)
    }

    func testTheRankingKeepsTheLLMSourceWhenTextsFallBack() {
        let ranking = LLMRanking(scores: [71: 1, 50: 0.5], reasons: [71: "Same text.", 50: "Same text."], usage: nil, samples: 1)
        let result = RankFusion.result(for: request, ranking: ranking, weight: 1)
        XCTAssertEqual(result.source, .llm)
        XCTAssertEqual(result.items.first?.itemID, 71)
        XCTAssertTrue(result.items.allSatisfy { $0.explanationSource == .template })
    }
}
