import ArgumentParser
import Foundation
import Pipeline

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a synthetic MovieLens-shaped dataset (GroupLens layout) for demos, tests and runs at a release's size.")

    @Option(help: "Output folder (created if missing).") var out: String
    @Option var users = 60
    @Option var items = 300
    @Option var ratingsPerUser = 30
    @Option var seed: UInt64 = 42
    @OptionGroup var transactionOptions: SimulateTransactionOptions
    @OptionGroup var shaped: ShapeOptions

    func validate() throws {
        guard users > 0, items > 0, ratingsPerUser > 0 else { throw ValidationError("--users, --items and --ratings-per-user must be positive") }
    }

    func run() throws {
        if try shaped.writeIfRequested(to: out, seed: seed) { return }
        if let folder = transactionOptions.movielens {
            guard transactionOptions.transactions else { throw ValidationError("--from-movielens goes with --transactions") }
            print(try transactionOptions.writeEvents(dataset: try MovieLensDataset.load(from: folder), out: out, seed: seed))
            return
        }
        let dataset = SyntheticMovieLens(users: users, items: items, ratingsPerUser: ratingsPerUser, seed: seed).generate()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (name, text) in MovieLensWriter.files(for: dataset) {
            try text.write(toFile: (out as NSString).appendingPathComponent(name), atomically: true, encoding: .isoLatin1)
        }
        print("wrote \(dataset.users.count) users, \(dataset.items.count) items, \(dataset.ratings.count) ratings to \(out)")
        if transactionOptions.transactions { print(try transactionOptions.writeEvents(dataset: dataset, out: out, seed: seed)) }
    }
}
