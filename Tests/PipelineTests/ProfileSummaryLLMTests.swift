import Pipeline
import XCTest

/// LLM-written profile summaries, without an LLM: the degenerate-text check, the material-change rule, the
/// privacy rules of the summary prompt, and which summary a rerank prompt shows.
final class ProfileSummaryLLMTests: XCTestCase {
    private let profile = PromptBuilderTests.request().profile
    private let check = SummaryCheck(maxCharacters: 300, includeDemographics: false)

    private func verdict(_ text: String, prompt: String = "", pseudonym: String? = nil, check: SummaryCheck? = nil) -> SummaryCheck.Verdict {
        (check ?? self.check).verdict(on: text, profile: profile, prompt: prompt, pseudonym: pseudonym)
    }

    private func refusal(_ text: String, prompt: String = "", pseudonym: String? = nil) -> String? {
        if case .refused(let reason) = verdict(text, prompt: prompt, pseudonym: pseudonym) { return reason }
        return nil
    }

    func testAReadableSummaryIsAcceptedAndTidied() {
        let text = "  Summary: **Enjoys dark crime dramas and thrillers,\n rates generously, and avoids animation.**  "
        XCTAssertEqual(verdict(text), .accepted("Enjoys dark crime dramas and thrillers, rates generously, and avoids animation."))
        XCTAssertEqual(verdict("\"A fan of crime films who rates highly.\""), .accepted("A fan of crime films who rates highly."))
    }

    func testEmptyTooLongAndRepetitiveTextIsRefused() {
        XCTAssertEqual(refusal(""), "empty")
        XCTAssertEqual(refusal("  Crime. "), "empty")
        let long = "Loves crime dramas and slow thrillers from the nineties, " + String(repeating: "and much else besides; ", count: 11)
        XCTAssertEqual(refusal(long), "too long (\(long.count - 1) characters, at most 300)")
        XCTAssertEqual(refusal("Likes crime films. Likes crime films."), "repetitive")
        XCTAssertEqual(refusal("They like drama, they like drama, they like drama a lot"), "repetitive")
        XCTAssertEqual(refusal("movie movie movie movie film film film film"), "repetitive")
        let prompt = "Facts: They have 12 ratings. Their average rating is 3.8 out of 5. They lean towards Crime, Drama."
        XCTAssertEqual(refusal("Facts: They have 12 ratings. Their average rating is 3.8 out of 5.", prompt: prompt), "echoes the prompt")
        XCTAssertNil(refusal("They lean towards crime and drama, and rate around 3.8 out of 5.", prompt: prompt), "a few facts restated is a summary")
    }

    func testIdsAreRefusedUnlessThePromptHadTheNumber() {
        XCTAssertEqual(refusal("User 4242 enjoys crime dramas and thrillers."), "names an id (user 4242)")
        XCTAssertEqual(refusal("Enjoys crime dramas; id: 17 in our records."), "names an id (id 17)")
        XCTAssertEqual(refusal("Viewer 4242 enjoys crime dramas and thrillers."), "names an id (4242)")
        XCTAssertEqual(refusal("Enjoys crime dramas as u-1a2b3c4d5e6f does.", pseudonym: "u-1a2b3c4d5e6f"), "names an id (u-1a2b3c4d5e6f)")
        // The prompt showed 4242 (a count, a year): repeating it is the model's own business.
        XCTAssertNil(refusal("Has rated 4242 films, mostly crime dramas.", prompt: "They have 4242 ratings."))
    }

    func testDemographicsTheSwitchForbidsAreRefused() {
        XCTAssertEqual(refusal("She enjoys crime dramas and thrillers."), "mentions demographics (\"she\") the prompt may not show")
        XCTAssertEqual(refusal("A 31-year-old fan of crime dramas."), "mentions demographics (\"year old\") the prompt may not show")
        XCTAssertEqual(refusal("A viewer in their thirties who likes crime dramas."), "mentions demographics (\"their thirties\") the prompt may not show")
        XCTAssertEqual(refusal("A writer who likes crime dramas and thrillers."), "mentions demographics (\"writer\") the prompt may not show")
        // Words the prompt itself contains come from titles, and films of the seventies are about films.
        XCTAssertNil(refusal("Liked Dead Man Walking and other crime dramas.", prompt: "Dead Man Walking (1995) | Drama"))
        XCTAssertNil(refusal("Enjoys gritty crime films from the seventies and 1990s thrillers."))
        // With the switch on, demographics are the prompt's to mention.
        let allowed = SummaryCheck(maxCharacters: 300, includeDemographics: true)
        XCTAssertEqual(verdict("She enjoys crime dramas and thrillers.", check: allowed), .accepted("She enjoys crime dramas and thrillers."))
    }

    func testMaterialChangeRule() {
        let basis = SummaryBasis(eventCount: 40, topGenres: ["Crime", "Drama", "Thriller"])
        XCTAssertFalse(basis.isOutdated(by: SummaryBasis(eventCount: 49, topGenres: ["Drama", "Crime", "Thriller"])), "9 new events are under 25 %")
        XCTAssertTrue(basis.isOutdated(by: SummaryBasis(eventCount: 50, topGenres: ["Crime", "Drama", "Thriller"])), "25 % growth")
        XCTAssertFalse(basis.isOutdated(by: SummaryBasis(eventCount: 41, topGenres: ["Crime", "Drama", "Comedy"])), "two of three genres kept")
        XCTAssertTrue(basis.isOutdated(by: SummaryBasis(eventCount: 41, topGenres: ["Crime", "Comedy", "Romance"])), "taste moved")
        let small = SummaryBasis(eventCount: 2, topGenres: ["Drama"])
        XCTAssertFalse(small.isOutdated(by: SummaryBasis(eventCount: 6, topGenres: ["Drama"])), "fewer than 5 new events")
        XCTAssertTrue(small.isOutdated(by: SummaryBasis(eventCount: 7, topGenres: ["Drama"])))
        XCTAssertTrue(small.isOutdated(by: SummaryBasis(eventCount: 3, topGenres: ["Comedy"])))
        XCTAssertTrue(SummaryBasis(eventCount: 0, topGenres: []).isOutdated(by: SummaryBasis(eventCount: 1, topGenres: ["Drama"])))
    }

    func testAStoredSummaryIsCurrentOnlyWhenAnLLMWasAskedAndThePrivacySwitchStillAllowsIt() {
        let basis = SummaryBasis(profile: profile)
        let llm = WrittenSummary(text: "Enjoys crime dramas.", source: .llm, model: "m", basis: basis, withDemographics: false)
        XCTAssertTrue(llm.isCurrent(for: profile, includeDemographics: false))
        let refused = WrittenSummary(text: "template", source: .template, model: "m", basis: basis, withDemographics: false)
        XCTAssertTrue(refused.isCurrent(for: profile, includeDemographics: false), "a refused answer is not asked again until the profile changes")
        let template = WrittenSummary(text: "template", source: .template, model: nil, basis: basis, withDemographics: false)
        XCTAssertFalse(template.isCurrent(for: profile, includeDemographics: false), "no LLM was ever asked")
        var withDemographics = llm
        withDemographics.withDemographics = true
        XCTAssertFalse(withDemographics.isCurrent(for: profile, includeDemographics: false))
        XCTAssertTrue(withDemographics.isCurrent(for: profile, includeDemographics: true))
    }

    func testTheRerankPromptShowsTheLLMSummaryWhenOneIsStoredAndAllowed() {
        var request = PromptBuilderTests.request()
        let template = ProfileSummary.text(for: request.profile, includeDemographics: false)
        XCTAssertTrue(PromptBuilder().prompt(for: request).user.contains(template))

        let text = "A patient fan of crime dramas who rarely enjoys animation."
        request.profile.writtenSummary = WrittenSummary(text: text, source: .llm, model: "m", basis: SummaryBasis(profile: request.profile),
                                                        withDemographics: false)
        let prompt = PromptBuilder().prompt(for: request).user
        XCTAssertTrue(prompt.contains("User profile: \(text)"), prompt)
        XCTAssertFalse(prompt.contains(template))

        // Written from demographics, it is not shown once the switch is off; a refused answer never is.
        request.profile.writtenSummary?.withDemographics = true
        XCTAssertTrue(PromptBuilder().prompt(for: request).user.contains(template))
        XCTAssertTrue(PromptBuilder(config: PromptConfig(includeDemographics: true)).prompt(for: request).user.contains(text))
        request.profile.writtenSummary = WrittenSummary(text: "refused", source: .template, model: "m", basis: SummaryBasis(profile: request.profile),
                                                        withDemographics: false)
        XCTAssertTrue(PromptBuilder().prompt(for: request).user.contains(template))
    }

    func testTheSummaryPromptKeepsThePrivacyRules() {
        let prompt = SummaryPrompt(profile: profile, includeDemographics: false, maxCharacters: 300, historyCount: 3)
        let text = prompt.system + "\n" + prompt.user
        XCTAssertFalse(text.contains("4242"), "the user id reached the prompt")
        for term in ["writer", "female", "02139", "31"] { XCTAssertFalse(text.contains(term), "\(term) reached the prompt") }
        XCTAssertTrue(text.contains("Fargo (1996)"), "the recent history is the summary's material")
        XCTAssertEqual(text.components(separatedBy: "\n- ").count - 1, 3, "history entries beyond historyCount")
        XCTAssertEqual(prompt.maxCompletionTokens, 16 + 300 / TokenEstimate.bytesPerToken)

        let open = SummaryPrompt(profile: profile, includeDemographics: true, maxCharacters: 300, historyCount: 3)
        XCTAssertTrue(open.user.contains("works as writer"), open.user)
        XCTAssertFalse(open.user.contains("4242"))
    }
}
