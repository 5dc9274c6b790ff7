import Foundation
import ArgumentParser
import Storage

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print users' current published recommendations.")

    @OptionGroup var database: ConfigOptions
    @Option(help: "Show this user.") var user: Int?
    @Option(help: "Show the users whose rows were published most recently (when --user is not given).") var recent = 3

    func run() throws {
        let store = RecommendationStore(connection: try database.connect())
        let users = try user.map { [$0] } ?? store.recentlyPublishedUsers(limit: recent)
        guard !users.isEmpty else {
            print("no published recommendations yet (run `recworker stream` first)")
            return
        }
        for userID in users {
            let rows = try store.current(userID: userID)
            print("user \(userID): \(rows.count) recommendations (run \(rows.first?.runID ?? 0))")
            for row in rows {
                print("  \(row.rank). [\(row.source.rawValue)] \(row.title ?? "item \(row.itemID)") (item \(row.itemID), score \(String(format: "%.3f", row.score)))")
                print("     \(row.explanation) [\(row.explanationSource.rawValue) text]")
            }
        }
    }
}
