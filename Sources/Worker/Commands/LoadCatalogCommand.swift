import ArgumentParser
import Pipeline
import Storage

struct LoadCatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-catalog", abstract: "Load item and user metadata from a MovieLens-layout folder (u.item, u.user).")

    @OptionGroup var database: ConfigOptions
    @Option(help: "Folder in the GroupLens ml-100k layout.") var movielens: String

    func run() throws {
        let dataset = try MovieLensDataset.load(from: movielens)
        let catalog = CatalogStore(connection: try database.connect())
        try catalog.upsert(items: dataset.items)
        try catalog.upsert(users: dataset.users)
        print("loaded \(dataset.items.count) items and \(dataset.users.count) users from \(movielens)")
    }
}
