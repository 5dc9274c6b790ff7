import ArgumentParser
import Foundation
import LinearAlgebra
import Pipeline

/// Times all-users top-N over synthetic factors: the nightly candidate pass at a chosen scale.
struct BenchCandidatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candidates",
        abstract: "Time top-N for every user over random factors (blocked sgemm on OpenBLAS + partial selection on both cores)."
    )

    @Option(help: "Users.") var users = 138_000
    @Option(help: "Items.") var items = 27_000
    @Option(help: "Latent factors.") var factors = 64
    @Option(help: "Candidates per user.") var top = 100
    @Option(help: "Users per sgemm block (512 keeps a block of scores in cache-friendly size; 2048 measured 16 s vs 11 s).") var blockUsers = 512
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Option(help: "Seed of the random factors.") var seed: UInt64 = 1

    func run() throws {
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
        print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
    }
}
