import ArgumentParser
import Foundation
import Pipeline

/// `--shape ml-1m|ml-10m|ml-20m` and `--shape-scale`: a synthetic dataset with a release's size and statistics
/// (`simulate` writes it; `bench nightly` and `bench train` run on it).
struct ShapeOptions: ParsableArguments {
    @Option(help: "Synthetic data shaped like a GroupLens release: \(MovieLensShape.all.map(\.name).joined(separator: ", ")) (simulate: written in that release's layout, ignoring --users, --items, --ratings-per-user).")
    var shape: String?

    @Option(help: "With --shape: this fraction of the release's users and ratings (e.g. 0.1 for a quick run).")
    var shapeScale = 1.0

    func validate() throws {
        if let shape, MovieLensShape.named(shape) == nil {
            throw ValidationError("--shape must be one of \(MovieLensShape.all.map(\.name).joined(separator: ", ")), not \(shape)")
        }
        guard shapeScale > 0, shapeScale <= 1 else { throw ValidationError("--shape-scale must be in (0, 1]") }
    }

    /// The requested shape, scaled.
    var resolved: MovieLensShape? { shape.flatMap(MovieLensShape.named).map { shapeScale < 1 ? $0.scaled(users: shapeScale) : $0 } }

    /// Writes the shaped dataset when `--shape` was given; false otherwise.
    func writeIfRequested(to folder: String, seed: UInt64) throws -> Bool {
        guard let shape = resolved else { return false }
        let started = ContinuousClock.now
        let dataset = ShapedMovieLens(shape: shape, seed: seed).generate()
        let files = try MovieLensWriter.write(dataset, layout: shape.layout, to: folder)
        let seconds = started.duration(to: .now).components
        print("wrote \(shape.name)-shaped data: \(dataset.users.count) users with demographics, \(Set(dataset.ratings.map(\.itemID)).count) "
              + "of \(dataset.items.count) movies rated, \(dataset.ratings.count) ratings (\(files.joined(separator: ", "))) to \(folder) "
              + "in \(seconds.seconds) s")
        return true
    }
}
