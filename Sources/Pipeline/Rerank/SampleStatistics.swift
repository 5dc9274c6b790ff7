import LinearAlgebra
import Foundation

/// Mean and spread of a per-user metric, so a difference between two rankers can be told from noise.
public struct SampleStatistics: Sendable, Hashable, Codable {
    public var count: Int
    public var mean: Double
    /// Standard error of the mean (sample standard deviation / √n); 0 for fewer than two values.
    public var standardError: Double
    /// Percentile bootstrap 95 % interval of the mean (seeded, so reports are reproducible).
    public var lower95: Double
    public var upper95: Double

    public init(_ values: [Double], resamples: Int = 2000, seed: UInt64 = 1) {
        count = values.count
        guard !values.isEmpty else {
            mean = 0
            standardError = 0
            lower95 = 0
            upper95 = 0
            return
        }
        let n = Double(values.count)
        let average = values.reduce(0, +) / n
        let variance = values.count > 1 ? values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / (n - 1) : 0
        var generator = SeededGenerator(seed: seed)
        var means = [Double]()
        means.reserveCapacity(max(1, resamples))
        for _ in 0..<max(1, resamples) {
            var total = 0.0
            for _ in 0..<values.count { total += values[Int.random(in: 0..<values.count, using: &generator)] }
            means.append(total / n)
        }
        means.sort()
        mean = average
        standardError = (variance / n).squareRoot()
        lower95 = means[Int(0.025 * Double(means.count - 1))]
        upper95 = means[Int((0.975 * Double(means.count - 1)).rounded(.up))]
    }
}
