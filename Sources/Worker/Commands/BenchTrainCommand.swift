import ArgumentParser
import Foundation
import LinearAlgebra
import Pipeline

/// Times fitting one model on MovieLens ratings (or a synthetic dataset shaped like a release).
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Time fitting a model on MovieLens ratings.",
                                                    discussion: """
        Prints one JSON line. For als it also times every iteration (users, then items): `iteration_seconds` per \
        repetition and `seconds_per_iteration`, the median over all of them, to set beside published per-iteration \
        numbers. With --update-batches it fits once on all but the newest ratings and then times the stream's \
        incremental update (`RecommenderModel.update`) over those, one batch at a time: `update_seconds` per batch.
        """)

    @Option(help: "MovieLens folder in any GroupLens layout (ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-latest).")
    var movielens: String?
    @Option(help: "Train on this ratings file (TSV user, item, rating, timestamp) instead of all of the folder's ratings.")
    var train: String?
    @OptionGroup var shaped: ShapeOptions
    @Option(help: "Model: \(ModelKind.allCases.filter { $0 != .content }.map(\.rawValue).joined(separator: ", ")).")
    var model: String
    @Option(help: "Timed repetitions (the JSON reports each and the fastest).")
    var repeats = 3
    @Option(help: "als only: iterations per fit (default: the worker's own setting).")
    var iterations: Int?
    @Option(help: "als only: latent factors (default: the worker's own setting).")
    var factors: Int?
    @Option(help: "Hold the newest ratings out of the fit and time applying them as this many incremental updates.")
    var updateBatches = 0
    @Option(help: "Ratings per incremental update (with --update-batches).")
    var updateBatchSize = 5_000
    @Option(help: "als only: re-solve a touched item once it gained this share of its interactions (0: every touched item, every update).")
    var itemFoldInShare: Double?

    func validate() throws {
        if movielens == nil && train == nil && shaped.shape == nil { throw ValidationError("pass --movielens DIR, --train FILE or --shape NAME") }
        guard let kind = ModelKind(rawValue: model), kind != .content else {
            throw ValidationError("unknown --model \(model): use \(ModelKind.allCases.filter { $0 != .content }.map(\.rawValue).joined(separator: ", "))")
        }
        if (iterations != nil || factors != nil || itemFoldInShare != nil) && kind != .als {
            throw ValidationError("--iterations, --factors and --item-fold-in-share are for --model als")
        }
        if updateBatches < 0 || updateBatchSize < 1 { throw ValidationError("--update-batches must be at least 0 and --update-batch-size at least 1") }
        if let itemFoldInShare, !(itemFoldInShare >= 0) { throw ValidationError("--item-fold-in-share must be at least 0") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if let factors, factors < 1 { throw ValidationError("--factors must be at least 1") }
    }

    func run() throws {
        let loadStarted = ContinuousClock.now
        let ratings: [Rating]
        if let shape = shaped.resolved {
            ratings = ShapedMovieLens(shape: shape, seed: 42).generate().ratings
        } else {
            ratings = try train.map { try MovieLensDataset.loadRatings(path: $0) } ?? MovieLensDataset.loadRatings(folder: movielens!)
        }
        // The newest ratings, when held out, arrive later as the stream's batches.
        let heldOut = min(ratings.count, updateBatches * updateBatchSize)
        let byTime = heldOut == 0 ? ratings : ratings.sorted { $0.timestamp < $1.timestamp }
        let data = InteractionData(ratings: Array(byTime.dropLast(heldOut)))
        let prepareSeconds = (ContinuousClock.now - loadStarted).seconds
        let kind = ModelKind(rawValue: model)!
        var hyperparameters = ModelHyperparameters()
        if let iterations { hyperparameters.als.iterations = iterations }
        if let factors { hyperparameters.als.factors = factors }
        if let itemFoldInShare { hyperparameters.als.itemFoldInShare = itemFoldInShare }
        var timings = [Double]()
        var iterationRuns = [[Double]]()
        var fitted: (any RecommenderModel)?
        for _ in 0..<max(1, repeats) {
            let start = ContinuousClock.now
            if kind == .als {
                var iterationTimes = [Double]()
                var last = start
                fitted = ALSModel(data: data, configuration: hyperparameters.als) { _ in
                    let now = ContinuousClock.now
                    iterationTimes.append((now - last).seconds)
                    last = now
                }
                iterationRuns.append(iterationTimes)
            } else {
                fitted = try hyperparameters.fit(kind, data: data)
            }
            timings.append((ContinuousClock.now - start).seconds)
        }
        let best = timings.min()!
        var line: [String: Any] = [
            "bench": "train", "model": kind.rawValue, "users": data.userCount, "items": data.itemCount,
            "interactions": data.interactionCount, "seconds": best, "runs_seconds": timings,
            "interactions_per_second": Double(data.interactionCount) / best, "blas": BLASBackend.description,
            "prepare_seconds": prepareSeconds, "cores": ProcessInfo.processInfo.activeProcessorCount,
        ]
        if let shape = shaped.shape { line["shape"] = shape; line["shape_scale"] = shaped.shapeScale }
        if heldOut > 0, var model = fitted {
            line["update_seconds"] = Self.timeUpdates(of: &model, data: data, batches: byTime.suffix(heldOut), size: updateBatchSize)
            line["update_batch_size"] = updateBatchSize
        }
        if kind == .als {
            let all = iterationRuns.flatMap { $0 }.sorted()
            line["iteration_seconds"] = iterationRuns
            line["seconds_per_iteration"] = all.isEmpty ? 0 : (all.count % 2 == 1 ? all[all.count / 2] : (all[all.count / 2 - 1] + all[all.count / 2]) / 2)
            line["factors"] = hyperparameters.als.factors
            line["iterations"] = hyperparameters.als.iterations
            line["conjugate_gradient_steps"] = hyperparameters.als.conjugateGradientSteps
            line["item_fold_in_share"] = hyperparameters.als.itemFoldInShare
        }
        try BenchCommand.printLine(line)
    }

    /// Seconds of each `update`, applying `batches` in order `size` ratings at a time (the data grows as it goes).
    private static func timeUpdates(of model: inout any RecommenderModel, data: InteractionData, batches: ArraySlice<Rating>,
                                    size: Int) -> [Double] {
        var data = data
        return stride(from: batches.startIndex, to: batches.endIndex, by: size).map { start in
            let batch = Array(batches[start ..< min(start + size, batches.endIndex)])
            let started = ContinuousClock.now
            let touched = data.add(batch)
            model.update(data: data, touched: touched)
            return (ContinuousClock.now - started).seconds
        }
    }
}
