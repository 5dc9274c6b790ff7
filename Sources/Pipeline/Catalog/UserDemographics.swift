/// What MovieLens knows about a user besides their interactions.
public struct UserDemographics: Sendable, Hashable, Codable {
    public var id: Int
    public var age: Int?
    public var gender: String?
    public var occupation: String?
    public var zip: String?

    public init(id: Int, age: Int?, gender: String?, occupation: String?, zip: String?) {
        self.id = id
        self.age = age
        self.gender = gender
        self.occupation = occupation
        self.zip = zip
    }

    /// Age band used for segments and fairness breakdowns (MovieLens-1M style bands).
    public var ageBand: String {
        guard let age else { return "unknown" }
        switch age {
        case ..<18: return "under 18"
        case 18..<25: return "18-24"
        case 25..<35: return "25-34"
        case 35..<45: return "35-44"
        case 45..<50: return "45-49"
        case 50..<56: return "50-55"
        default: return "56+"
        }
    }
}
