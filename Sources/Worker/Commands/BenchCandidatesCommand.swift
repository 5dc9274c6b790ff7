import ArgumentParser
import Foundation
import LinearAlgebra
import Pipeline

/// Times all-users top-N at a chosen scale: over random factors (the nightly candidate pass), or through the
/// stream refresher's blend fitted on synthetic interactions, scored one claim at a time.
struct BenchCandidatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candidates",
        abstract: "Time top-N for every user: over random factors (blocked sgemm + partial selection), or through the blend, claim by claim."
    )

    enum Source: String, ExpressibleByArgument, CaseIterable {
        case factors, blend
    }

    @Option(help: "Users.") var users = 138_000
    @Option(help: "Items.") var items = 27_000
    @Option(help: "Latent factors.") var factors = 64
    @Option(help: "Candidates per user.") var top = 100
    @Option(help: "Users per sgemm block (512 keeps a block of scores in cache-friendly size; 2048 measured 16 s vs 11 s).") var blockUsers = 512
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Option(help: "Seed of the random factors.") var seed: UInt64 = 1
    @Option(help: "factors: random factors, one sgemm per block; blend: the default blend fitted on synthetic interactions.")
    var source: Source = .factors
    @Option(help: "blend only: interactions per user in the synthetic data.") var interactionsPerUser = 10
    @Option(help: "blend only: users scored together, as one refresh claim.") var claimUsers = 2_650

    func validate() throws {
        if claimUsers < 1 { throw ValidationError("--claim-users must be at least 1") }
    }

    func run() throws {
        if source == .blend { return try runBlend() }
        var generator = SeededGenerator(seed: seed)
        let userFactors = Matrix.random(rows: users, columns: factors, scale: 1, using: &generator)
        let itemFactors = Matrix.random(rows: items, columns: factors, scale: 1, using: &generator)
        BLASBackend.setThreads(threads)
        let start = ContinuousClock.now
        let result = BlockedTopK.run(rows: users, columns: items, k: top, blockRows: blockUsers) { range, block in
            BLAS.multiply(userFactors, rows: range, byTransposeOf: itemFactors, into: &block)
        }
        let seconds = (ContinuousClock.now - start).seconds
        // Touch the result so the work cannot be optimised away, and report a checksum for sanity.
        let checksum = result.indices.reduce(0) { $0 &+ Int($1) }
        let line: [String: Any] = [
            "bench": "candidates", "users": users, "items": items, "factors": factors, "top": top,
            "block_users": blockUsers, "seconds": seconds, "users_per_second": Double(users) / seconds,
            "gflops": 2 * Double(users) * Double(items) * Double(factors) / seconds / 1e9,
            "checksum": checksum, "blas": BLASBackend.description,
        ]
        try BenchCommand.printLine(line)
    }

    /// The refresher's candidate path (`ModelSet.candidates(forUsers:)`) over every user, `claimUsers` at a time;
    /// the fit is not timed.
    private func runBlend() throws {
        let dataset = SyntheticMovieLens(users: users, items: items, ratingsPerUser: interactionsPerUser, seed: seed).generate()
        BLASBackend.setThreads(threads)
        let fitStarted = ContinuousClock.now
        var models = try ModelSet.fit(ratings: dataset.ratings, items: dataset.items, users: dataset.users)
        models.settings.limit = top
        let fitSeconds = (ContinuousClock.now - fitStarted).seconds
        let userIDs = dataset.users.map(\.id)
        var checksum = 0
        let start = ContinuousClock.now
        for claimStart in stride(from: 0, to: userIDs.count, by: claimUsers) {
            let claim = Array(userIDs[claimStart ..< min(userIDs.count, claimStart + claimUsers)])
            for (list, _) in models.candidates(forUsers: claim) { checksum &+= list.first?.itemID ?? 0 }
        }
        let seconds = (ContinuousClock.now - start).seconds
        let line: [String: Any] = [
            "bench": "candidates", "source": "blend", "users": users, "items": items, "interactions": dataset.ratings.count,
            "top": top, "claim_users": claimUsers, "fit_seconds": fitSeconds, "seconds": seconds,
            "users_per_second": Double(users) / seconds, "microseconds_per_user": seconds / Double(users) * 1e6,
            "checksum": checksum, "blas": BLASBackend.description,
        ]
        try BenchCommand.printLine(line)
    }
}
