/// Who wrote a stored profile summary (`user_profiles.summary_source`).
public enum SummarySource: String, Sendable, Codable, CaseIterable {
    /// `ProfileSummary.text`, the deterministic template.
    case template
    /// An LLM, from the template and the recent history (`SummaryPrompt`).
    case llm
}

/// A profile summary as stored beside the profile, with what the profile looked like when it was written, so the
/// next refresh can tell whether it still describes the user.
public struct WrittenSummary: Sendable, Hashable {
    public var text: String
    public var source: SummarySource
    /// The model that was asked. With `source == .template` and a model, the LLM's text was refused and the
    /// template stands in until the profile changes materially; nil when no LLM was asked.
    public var model: String?
    public var basis: SummaryBasis
    /// Whether the LLM was shown age, gender and occupation (`llm.include_demographics` at the time): a summary
    /// written with them is not used once the switch is off.
    public var withDemographics: Bool

    public init(text: String, source: SummarySource, model: String?, basis: SummaryBasis, withDemographics: Bool) {
        self.text = text
        self.source = source
        self.model = model
        self.basis = basis
        self.withDemographics = withDemographics
    }

    /// True when an LLM was asked for this summary (whether or not its text was kept).
    public var askedLLM: Bool { model != nil }

    /// Whether this summary still stands for `profile`: an LLM was asked, the profile has not changed materially
    /// since, and it was not written from demographics the privacy switch no longer allows.
    public func isCurrent(for profile: UserProfile, includeDemographics: Bool) -> Bool {
        askedLLM && !basis.isOutdated(by: SummaryBasis(profile: profile)) && (includeDemographics || !withDemographics)
    }
}

/// The facts a summary rests on, compared to decide when a profile has changed materially.
///
/// The rule (docs/llm.md): a profile changed materially since its summary when it has grown by at least
/// `growthShare` of the events it had then (and by `minimumNewEvents` or more), or when its top genres were
/// replaced: at most one of the summary's top three is still among the profile's (with fewer genres on either side,
/// any one replaced). Small, frequent changes (one more view) never
/// cost an LLM call; a user whose taste moved does.
public struct SummaryBasis: Sendable, Hashable {
    public var eventCount: Int
    /// The profile's strongest genres, strongest first (at most `genreCount`).
    public var topGenres: [String]

    public static let genreCount = 3
    public static let growthShare = 0.25
    public static let minimumNewEvents = 5

    public init(eventCount: Int, topGenres: [String]) {
        self.eventCount = eventCount
        self.topGenres = topGenres
    }

    public init(profile: UserProfile) {
        self.init(eventCount: profile.eventCount, topGenres: profile.genreAffinity().prefix(Self.genreCount).map(\.genre))
    }

    /// Whether a summary written on `self` no longer describes a profile whose basis is now `current`.
    public func isOutdated(by current: SummaryBasis) -> Bool {
        let grown = current.eventCount - eventCount
        if grown >= Self.minimumNewEvents, Double(grown) >= Self.growthShare * Double(max(eventCount, 1)) { return true }
        if topGenres.isEmpty { return !current.topGenres.isEmpty }
        let kept = Set(topGenres).intersection(current.topGenres).count
        return kept <= 1 && kept < min(topGenres.count, current.topGenres.count)
    }
}
