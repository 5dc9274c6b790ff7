import ArgumentParser
import Pipeline
import Storage

struct LoadCatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-catalog", abstract: "Load item and user metadata from a MovieLens folder in any GroupLens layout (movies; users where the release has them).")

    @OptionGroup var database: ConfigOptions
    @Option(help: "MovieLens folder: ml-100k, ml-1m, ml-10m, ml-20m, ml-25m or ml-latest layout.") var movielens: String

    func run() throws {
        let dataset = try MovieLensDataset.load(from: movielens)
        let catalog = CatalogStore(connection: try database.connect())
        try catalog.upsert(items: dataset.items)
        try catalog.upsert(users: dataset.users)
        print("loaded \(dataset.items.count) items and \(dataset.users.count) users from \(movielens) (\(dataset.layout.rawValue) layout)"
              + (dataset.demographicsNote.map { "; \($0)" } ?? ""))
    }
}
