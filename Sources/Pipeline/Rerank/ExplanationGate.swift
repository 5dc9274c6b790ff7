/// Where a published explanation's text came from (the `explanation_source` column), independent of who ordered
/// the list (`source`).
public enum ExplanationSource: String, Sendable, Codable, CaseIterable {
    case llm
    case template
}

/// Publishes only LLM reasons worth reading; every other item gets its grounded template explanation.
///
/// A reason falls back to the template when, after whitespace is collapsed and a cut-off tail is trimmed to a word
/// boundary, it
/// - is empty or a single word;
/// - repeats across the list: the same text (case and punctuation aside) for two or more items, all of which fall back;
/// - echoes the prompt: shares `echoWords` consecutive words with the system message or the user's profile summary;
/// - names another candidate: contains the title of another item of the request (titles of four letters or more).
/// A reason that hit the answer schema's length cap (`reasonLimit`) without ending a sentence was cut by the grammar:
/// its last, possibly partial word and any dangling separator or conjunction are dropped and "…" marks the cut.
public struct ExplanationGate: Sendable, Hashable {
    /// The schema's per-reason character cap (`PromptConfig.reasonMaxCharacters`); longer text is cut too.
    public var reasonLimit: Int
    public var echoWords = 6

    public init(reasonLimit: Int = 280) { self.reasonLimit = reasonLimit }

    /// One explanation per candidate, in the given order.
    public func explanations(for picks: [(candidate: Candidate, reason: String?)], request: RerankRequest)
        -> [(text: String, source: ExplanationSource)] {
        let cleaned = picks.map { $0.reason.flatMap(trimmed) }
        var counts = [String: Int]()
        for reason in cleaned.compactMap({ $0 }) { counts[Self.normalised(reason), default: 0] += 1 }
        let summaries = ProfileSummary.text(for: request.profile, includeDemographics: true) + " "
            + ProfileSummary.forPrompt(request.profile, includeDemographics: true)
        let prompt = Self.shingles(Self.words(PromptBuilder.systemMessage + " " + summaries), size: echoWords)
        let titles = request.candidates.map { ($0.item.id, Self.searchable($0.item.title)) }.filter { $0.1.count >= 4 }
        return zip(picks, cleaned).map { pick, reason in
            if let reason, counts[Self.normalised(reason)] == 1, !echoes(reason, prompt: prompt),
               !namesAnother(reason, item: pick.candidate.item, titles: titles) {
                return (reason, .llm)
            }
            return (TemplateExplanation.text(for: pick.candidate.item, profile: request.profile), .template)
        }
    }

    /// Collapsed, cut at a word boundary when the cap cut it; nil when nothing readable is left.
    func trimmed(_ reason: String) -> String? {
        var text = reason.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let ends = text.last.map { ".!?…)\"'".contains($0) } ?? false
        var cut = false
        if text.count > reasonLimit || (!ends && text.count >= reasonLimit - 1) {
            var words = text.prefix(reasonLimit).split(separator: " ")
            if words.count > 1 { words.removeLast() }
            while let last = words.last, Self.dangling.contains(String(last.lowercased().filter { !Self.separators.contains($0) })) {
                words.removeLast()
            }
            text = words.joined(separator: " ")
            cut = true
        }
        while let last = text.last, Self.separators.contains(last) { text.removeLast(); cut = true }
        guard Self.words(text).count >= 2 else { return nil }
        return cut ? text + "…" : text
    }

    private func echoes(_ reason: String, prompt: Set<String>) -> Bool {
        !Self.shingles(Self.words(reason), size: echoWords).isDisjoint(with: prompt)
    }

    private func namesAnother(_ reason: String, item: Item, titles: [(Int, String)]) -> Bool {
        let text = " " + Self.normalised(reason) + " "
        let own = Self.searchable(item.title)
        return titles.contains { id, title in id != item.id && !own.contains(title) && text.contains(" " + title + " ") }
    }

    static let dangling: Set<String> = ["and", "or", "with", "the", "a", "an", "of", "to", "for", "in", "on", "but", "like", ""]
    static let separators = Set(",;:/&-–—(+")

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    static func normalised(_ text: String) -> String { words(text).joined(separator: " ") }

    /// A title as a reason would write it: MovieLens's "Lion King, The" is "lion king".
    static func searchable(_ title: String) -> String {
        var words = words(title)
        if words.count > 1, ["the", "a", "an"].contains(words.last!), title.contains(",") { words.removeLast() }
        return words.joined(separator: " ")
    }

    static func shingles(_ words: [String], size: Int) -> Set<String> {
        guard words.count >= size else { return [] }
        return Set((0...(words.count - size)).map { words[$0..<($0 + size)].joined(separator: " ") })
    }
}
