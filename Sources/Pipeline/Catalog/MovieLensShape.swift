/// The published statistics of the GroupLens releases that `ShapedMovieLens` imitates.
public struct MovieLensShape: Sendable, Hashable {
    public var name: String
    public var layout: MovieLensLayout
    public var users: Int
    /// Movies in the catalogue file (a few are never rated, as in the real releases).
    public var movies: Int
    public var ratings: Int
    /// Every real user has at least this many ratings.
    public var minimumRatingsPerUser = 20
    /// Median ratings per user (the mean is larger: activity is heavy-tailed).
    public var medianRatingsPerUser: Double
    public var meanRatingsPerUser: Double { Double(ratings) / Double(users) }
    /// Share of each rating value, ascending by value.
    public var ratingValues: [Float]
    public var ratingShares: [Double]
    /// Share of movies carrying each genre (a movie may carry several).
    public var genreShares: [String: Double]
    /// Rating timestamps fall in this range (epoch seconds).
    public var timeRange: ClosedRange<Int64>
    /// Movie ids have gaps above this fraction of the catalogue (later releases' ids are sparse).
    public var denseIDFraction: Double

    public static let ml1m = MovieLensShape(
        name: "ml-1m", layout: .ml1m, users: 6_040, movies: 3_883, ratings: 1_000_209, medianRatingsPerUser: 96,
        ratingValues: [1, 2, 3, 4, 5], ratingShares: [0.056, 0.108, 0.261, 0.349, 0.226],
        genreShares: classicGenres(children: "Children's"), timeRange: 956_703_932...1_046_454_590, denseIDFraction: 1)

    public static let ml10m = MovieLensShape(
        name: "ml-10m", layout: .ml10m, users: 69_878, movies: 10_681, ratings: 10_000_054, medianRatingsPerUser: 69,
        ratingValues: halfStars, ratingShares: [0.009, 0.038, 0.012, 0.079, 0.037, 0.236, 0.088, 0.288, 0.059, 0.154],
        genreShares: classicGenres(children: "Children").merging(["IMAX": 0.003]) { $1 },
        timeRange: 822_873_600...1_231_131_736, denseIDFraction: 0.35)

    public static let ml20m = MovieLensShape(
        name: "ml-20m", layout: .csv, users: 138_493, movies: 27_278, ratings: 20_000_263, medianRatingsPerUser: 68,
        ratingValues: halfStars, ratingShares: [0.012, 0.034, 0.014, 0.072, 0.044, 0.214, 0.105, 0.278, 0.077, 0.150],
        genreShares: classicGenres(children: "Children").merging(["IMAX": 0.007, "Documentary": 0.09]) { $1 },
        timeRange: 789_652_009...1_427_784_002, denseIDFraction: 0.15)

    public static let all = [ml1m, ml10m, ml20m]

    public static func named(_ name: String) -> MovieLensShape? { all.first { $0.name == name } }

    static let halfStars: [Float] = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]

    /// Genre shares of ML-1M's movies.dat (Drama on 40% of films, Comedy 30%, …).
    static func classicGenres(children: String) -> [String: Double] {
        ["Drama": 0.40, "Comedy": 0.30, "Action": 0.13, "Thriller": 0.13, "Romance": 0.12, "Horror": 0.09, "Adventure": 0.07,
         "Sci-Fi": 0.07, children: 0.065, "Crime": 0.05, "War": 0.04, "Documentary": 0.03, "Musical": 0.029, "Mystery": 0.027,
         "Animation": 0.027, "Fantasy": 0.018, "Western": 0.017, "Film-Noir": 0.011]
    }

    /// The same shape with `scale` times the users and ratings (movies fixed): for quick runs.
    public func scaled(users scale: Double) -> MovieLensShape {
        var copy = self
        copy.users = max(1, Int(Double(users) * scale))
        copy.ratings = max(copy.users * minimumRatingsPerUser, Int(Double(ratings) * scale))
        return copy
    }
}
