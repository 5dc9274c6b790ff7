/// The deterministic natural-language profile that prompts start from (Chat-REC's "user profile").
public enum ProfileSummary {
    /// What a rerank prompt shows as the user's profile: the stored LLM-written summary when there is one that the
    /// privacy switch allows (one written from demographics is not used once they are off), else the template.
    public static func forPrompt(_ profile: UserProfile, includeDemographics: Bool) -> String {
        if let written = profile.writtenSummary, written.source == .llm, includeDemographics || !written.withDemographics {
            return written.text
        }
        return text(for: profile, includeDemographics: includeDemographics)
    }

    /// - Parameter includeDemographics: privacy switch; when false, age, gender and occupation are left out.
    public static func text(for profile: UserProfile, includeDemographics: Bool) -> String {
        var sentences = [String]()
        if includeDemographics, let demographics = profile.demographics {
            var parts = [String]()
            if demographics.age != nil { parts.append("aged \(demographics.ageBand)") }
            if let gender = demographics.gender, !gender.isEmpty { parts.append(gender == "M" ? "male" : gender == "F" ? "female" : gender) }
            if let occupation = demographics.occupation, !occupation.isEmpty, occupation != "none" { parts.append("works as \(occupation)") }
            if !parts.isEmpty { sentences.append("The user is " + parts.joined(separator: ", ") + ".") }
        }
        let counts = InteractionType.allCases.compactMap { type -> String? in
            guard let count = profile.countsByType[type], count > 0 else { return nil }
            return "\(count) \(type.rawValue)\(count == 1 ? "" : "s")"
        }
        if !counts.isEmpty { sentences.append("They have " + counts.joined(separator: ", ") + ".") }
        if let mean = profile.ratingMean {
            var line = "Their average rating is \(format(mean)) out of 5"
            if let spread = profile.ratingStandardDeviation { line += " (spread \(format(spread)))" }
            sentences.append(line + ".")
        }
        let genres = profile.genreAffinity().prefix(3).map(\.genre)
        if !genres.isEmpty { sentences.append("They lean towards " + genres.joined(separator: ", ") + ".") }
        if let activity = activitySentence(profile.activity) { sentences.append(activity) }
        let loved = profile.recentHistory.filter { $0.type == .rating && $0.value >= 4 }.prefix(3).map(\.item.title)
        if !loved.isEmpty { sentences.append("Recently liked: " + loved.joined(separator: "; ") + ".") }
        return sentences.isEmpty ? "A new user with no history yet." : sentences.joined(separator: " ")
    }

    /// "They are most active in the evening (peak 21:00 UTC), mostly on weekends."
    static func activitySentence(_ activity: ActivityHistogram) -> String? {
        guard let part = activity.busiestPartOfDay, let peak = activity.peakHour, let weekend = activity.weekendShare else { return nil }
        let week = weekend >= 0.5 ? "mostly on weekends" : weekend <= 0.15 ? "mostly on weekdays" : "throughout the week"
        let hour = peak < 10 ? "0\(peak)" : "\(peak)"
        return "They are most active in the \(part.rawValue) (peak \(hour):00 UTC), \(week)."
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)).0" : "\(rounded)"
    }
}
