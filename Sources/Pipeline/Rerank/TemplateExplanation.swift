/// A one-line explanation built from the profile, for rows the LLM did not explain.
public enum TemplateExplanation {
    public static func text(for item: Item, profile: UserProfile) -> String {
        let liked = profile.genreAffinity().prefix(5).map(\.genre)
        let shared = item.genres.filter { liked.contains($0) }
        let title = item.year.map { "\(item.title) (\($0))" } ?? item.title
        if !shared.isEmpty {
            return "\(title) matches your taste for \(shared.prefix(2).joined(separator: " and ")) films."
        }
        if let genre = item.genres.first {
            return "\(title) is a well-liked \(genre) pick outside your usual genres."
        }
        return "\(title) is popular with viewers like you."
    }
}
