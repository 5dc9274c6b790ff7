import ArgumentParser
import Foundation
import LinearAlgebra
import Pipeline

/// Times fitting one model on MovieLens ratings.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Time fitting a model on MovieLens ratings.")

    @Option(help: "MovieLens folder in any GroupLens layout (ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-latest).")
    var movielens: String?
    @Option(help: "Train on this ratings file (TSV user, item, rating, timestamp) instead of all of the folder's ratings.")
    var train: String?
    @Option(help: "Model: \(ModelKind.allCases.filter { $0 != .content }.map(\.rawValue).joined(separator: ", ")).")
    var model: String
    @Option(help: "Timed repetitions (the JSON reports each and the fastest).")
    var repeats = 3

    func validate() throws {
        if movielens == nil && train == nil { throw ValidationError("pass --movielens DIR or --train FILE") }
        guard let kind = ModelKind(rawValue: model), kind != .content else {
            throw ValidationError("unknown --model \(model): use \(ModelKind.allCases.filter { $0 != .content }.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let ratings = try train.map { try MovieLensDataset.loadRatings(path: $0) }
            ?? MovieLensDataset.loadRatings(folder: movielens!)
        let data = InteractionData(ratings: ratings)
        let kind = ModelKind(rawValue: model)!
        let hyperparameters = ModelHyperparameters()
        var timings = [Double]()
        for _ in 0..<max(1, repeats) {
            let start = ContinuousClock.now
            _ = try hyperparameters.fit(kind, data: data)
            timings.append((ContinuousClock.now - start).seconds)
        }
        let best = timings.min()!
        let line: [String: Any] = [
            "bench": "train", "model": kind.rawValue, "users": data.userCount, "items": data.itemCount,
            "interactions": data.interactionCount, "seconds": best, "runs_seconds": timings,
            "interactions_per_second": Double(data.interactionCount) / best, "blas": BLASBackend.description,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
    }
}
