import Foundation
import ArgumentParser

/// Benchmarks that print one JSON object per line (seconds and throughput) for tracking over time.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks printing JSON lines (release builds only give meaningful numbers).",
        subcommands: [BenchTrainCommand.self, BenchCandidatesCommand.self, BenchRerankCommand.self, BenchNightlyCommand.self, BenchStreamCommand.self, BenchSoakCommand.self]
    )
}

extension BenchCommand {
    /// Prints one benchmark result as a JSON line with sorted keys, so runs diff and parse alike.
    static func printLine(_ line: [String: Any]) throws {
        print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
    }
}
