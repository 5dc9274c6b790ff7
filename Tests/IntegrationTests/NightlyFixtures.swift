import Foundation
import LinearAlgebra
import Pipeline
import PostgresClient
import Storage

/// Deterministic synthetic catalogue and ratings for nightly tests: the same arguments give the same data.
enum NightlyFixtures {
    static let genres = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Thriller", "Animation"]

    static func load(into connection: PostgresConnection, users: Int, items: Int, ratingsPerUser: ClosedRange<Int>, seed: UInt64 = 7) throws {
        var random = SeededGenerator(seed: seed)
        let catalogue = (1...items).map { id in
            Item(id: id, title: "Film \(id)", year: 1970 + id % 50,
                 genres: [genres[id % genres.count], genres[(id / 3) % genres.count]].uniqued())
        }
        let people = (1...users).map { id in
            UserDemographics(id: id, age: 18 + id % 50, gender: id % 2 == 0 ? "F" : "M", occupation: "tester", zip: "0000\(id % 10)")
        }
        var events = [InteractionEvent]()
        for user in 1...users {
            let count = ratingsPerUser.lowerBound + Int(random.next() % UInt64(ratingsPerUser.count))
            var chosen = Set<Int>()
            while chosen.count < count {
                // Skewed towards low ids so popularity has a clear head.
                let draw = Double(random.next() % 1_000_000) / 1_000_000
                chosen.insert(1 + Int(Double(items - 1) * draw * draw))
            }
            for (n, item) in chosen.sorted().enumerated() {
                events.append(InteractionEvent(eventID: "fx-\(user)-\(item)", userID: user, itemID: item, type: .rating,
                                               value: Double(1 + random.next() % 5), timestamp: 1_700_000_000 + Double(user * 1000 + n)))
            }
        }
        let catalog = CatalogStore(connection: connection)
        try catalog.upsert(items: catalogue)
        try catalog.upsert(users: people)
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "fixtures", events: events, deadLetters: [], progress: []))
    }

    /// A published run's rows without run id and timestamp, for comparing runs across databases.
    static func rows(_ connection: PostgresConnection, runID: Int) throws -> [String] {
        try connection.query("""
            SELECT user_id, rank, item_id, score, source, explanation, model_version FROM recommendations
            WHERE run_id = $1 ORDER BY user_id, rank
            """, [runID]).map { $0.values.map { $0 ?? "NULL" }.joined(separator: "|") }
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
