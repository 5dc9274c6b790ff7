/// Decides whether an LLM-written profile summary may replace the template in prompts.
///
/// The text is tidied first (whitespace collapsed, a leading label such as "Summary:" and wrapping quotes or
/// emphasis removed). It is refused, and the template stands in, when it
/// - is empty or shorter than three words;
/// - is longer than `maxCharacters`;
/// - repeats itself: a sentence twice, a three-word phrase three times, or fewer than half of its words distinct;
/// - echoes the prompt: copies `echoWords` consecutive words of it (small models often return their input);
/// - names an id: the user's pseudonym, "user 12"/"id: 12", or the user's id where the prompt had no such number;
/// - mentions demographics the prompt was not allowed to show: gender words and pronouns, age phrases, the
///   user's own occupation or zip code (words the prompt itself contains, from titles, do not count).
public struct SummaryCheck: Sendable, Hashable {
    public var maxCharacters: Int
    public var includeDemographics: Bool
    public var echoWords = 10

    public init(maxCharacters: Int, includeDemographics: Bool) {
        self.maxCharacters = maxCharacters
        self.includeDemographics = includeDemographics
    }

    public enum Verdict: Sendable, Hashable {
        case accepted(String)
        /// Why the text cannot be used, printable for logs.
        case refused(String)
    }

    /// - Parameters:
    ///   - prompt: the text the LLM was shown; numbers in it are the model's to repeat.
    ///   - pseudonym: what the request carried in its `user` field, if anything.
    public func verdict(on text: String, profile: UserProfile, prompt: String, pseudonym: String?) -> Verdict {
        let tidied = Self.tidied(text)
        let words = ExplanationGate.words(tidied)
        if words.count < 3 { return .refused("empty") }
        if tidied.count > maxCharacters { return .refused("too long (\(tidied.count) characters, at most \(maxCharacters))") }
        if Self.isRepetitive(tidied, words: words) { return .refused("repetitive") }
        if !ExplanationGate.shingles(words, size: echoWords).isDisjoint(with: ExplanationGate.shingles(ExplanationGate.words(prompt), size: echoWords)) {
            return .refused("echoes the prompt")
        }
        if let id = Self.leakedID(words: words, profile: profile, prompt: prompt, pseudonym: pseudonym, text: tidied) {
            return .refused("names an id (\(id))")
        }
        if !includeDemographics, let term = Self.demographicTerm(words: words, profile: profile, prompt: Set(ExplanationGate.words(prompt))) {
            return .refused("mentions demographics (\"\(term)\") the prompt may not show")
        }
        return .accepted(tidied)
    }

    static func tidied(_ text: String) -> String {
        var result = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        result = result.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "__", with: "")
        if let colon = result.firstIndex(of: ":"), result[..<colon].split(separator: " ").count <= 3,
           ExplanationGate.words(String(result[..<colon])).contains(where: { labelWords.contains($0) }) {
            result = String(result[result.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        while let first = result.first, let last = result.last, result.count > 1, quotePairs[first] == last {
            result = String(result.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    static let labelWords: Set<String> = ["summary", "profile", "user", "answer", "description"]
    static let quotePairs: [Character: Character] = ["\"": "\"", "'": "'", "“": "”", "«": "»", "`": "`"]

    static func isRepetitive(_ text: String, words: [String]) -> Bool {
        let sentences = text.split { ".!?\n".contains($0) }.map { ExplanationGate.normalised(String($0)) }.filter { !$0.isEmpty }
        if Set(sentences).count < sentences.count { return true }
        var phrases = [String: Int]()
        if words.count >= 3 {
            for start in 0...(words.count - 3) { phrases[words[start..<(start + 3)].joined(separator: " "), default: 0] += 1 }
        }
        if phrases.values.contains(where: { $0 >= 3 }) { return true }
        return words.count >= 8 && Double(Set(words).count) < 0.5 * Double(words.count)
    }

    static func leakedID(words: [String], profile: UserProfile, prompt: String, pseudonym: String?, text: String) -> String? {
        if let pseudonym, text.lowercased().contains(pseudonym.lowercased()) { return pseudonym }
        for (index, word) in words.enumerated().dropFirst() where word.allSatisfy(\.isNumber) && idWords.contains(words[index - 1]) {
            return "\(words[index - 1]) \(word)"
        }
        let userID = String(profile.userID)
        if words.contains(userID), !ExplanationGate.words(prompt).contains(userID) { return userID }
        return nil
    }

    static let idWords: Set<String> = ["user", "id", "uid", "customer", "account", "member"]

    /// Terms the prompt itself contains came from titles ("Dead Man Walking", "Doctor Zhivago"), not from the user.
    static func demographicTerm(words: [String], profile: UserProfile, prompt: Set<String>) -> String? {
        let words = words.map { prompt.contains($0) ? "" : $0 }
        if let term = words.first(where: { genderWords.contains($0) || ageWords.contains($0) }) { return term }
        for (index, word) in words.enumerated().dropLast() {
            let next = words[index + 1]
            // "25 years old", "a 25-year-old", "in their thirties" / "in their 30s"; "old films" and "1970s" are about films.
            if ["year", "years"].contains(word), next == "old" { return "\(word) old" }
            if word == "their", decadeWords.contains(next) || (next.hasSuffix("0s") && next.count == 3) { return "their \(next)" }
        }
        var own = [String]()
        if let occupation = profile.demographics?.occupation, !["", "none", "other"].contains(occupation.lowercased()) {
            own.append(ExplanationGate.normalised(occupation))
        }
        if let zip = profile.demographics?.zip, !zip.isEmpty { own.append(ExplanationGate.normalised(zip)) }
        let joined = " " + words.joined(separator: " ") + " "
        return own.first { !$0.isEmpty && joined.contains(" \($0) ") }
    }

    static let genderWords: Set<String> = [
        "he", "him", "his", "himself", "she", "her", "hers", "herself", "male", "female", "man", "woman", "men", "women",
        "boy", "girl", "guy", "lady", "gentleman", "mr", "mrs", "ms",
    ]
    static let ageWords: Set<String> = ["aged", "teenager", "adolescent", "retiree", "pensioner", "elderly", "millennial", "boomer"]
    static let decadeWords: Set<String> = ["teens", "twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties"]
}
