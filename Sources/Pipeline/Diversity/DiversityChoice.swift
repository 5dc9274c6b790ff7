import Foundation

/// Chooses the diversity strength λ on validation folds, by a rule fixed in advance: the largest λ of the grid whose
/// mean validation NDCG is within `tolerance` of the undiversified list's (λ = 0). Averaging several folds keeps one
/// unlucky validation split from deciding (a single fold's NDCG moves by 1–3 % between seeds on ML-100K).
public struct DiversityChoice: Sendable {
    /// One λ of the grid, averaged over the folds.
    public struct Point: Sendable, Hashable {
        public var lambda: Double
        public var ndcg: Double
        /// Spread of NDCG over the folds (standard deviation; 0 for one fold).
        public var ndcgDeviation: Double
        public var coverage: Double
        /// Mean NDCG relative to λ = 0, e.g. -0.012 for 1.2 % lower.
        public var ndcgChange: Double
    }

    public var curve: [Point]
    public var chosen: Double
    public var tolerance: Double
    public var folds: Int

    /// - Parameter folds: per fold, (λ, NDCG, coverage) for every λ of the grid; the grid must contain 0.
    public init(folds: [[(lambda: Double, ndcg: Double, coverage: Double)]], tolerance: Double = 0.02) {
        let lambdas = Array(Set(folds.flatMap { $0.map(\.lambda) })).sorted()
        func values(_ lambda: Double, _ metric: ((lambda: Double, ndcg: Double, coverage: Double)) -> Double) -> [Double] {
            folds.compactMap { fold in fold.first { $0.lambda == lambda }.map(metric) }
        }
        let baseline = Self.mean(values(0, \.ndcg))
        curve = lambdas.map { lambda in
            let ndcg = values(lambda, \.ndcg)
            let mean = Self.mean(ndcg)
            let deviation = ndcg.count > 1
                ? (ndcg.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(ndcg.count - 1)).squareRoot() : 0
            return Point(lambda: lambda, ndcg: mean, ndcgDeviation: deviation, coverage: Self.mean(values(lambda, \.coverage)),
                         ndcgChange: baseline > 0 ? mean / baseline - 1 : 0)
        }
        chosen = curve.filter { $0.ndcgChange >= -tolerance }.map(\.lambda).max() ?? 0
        self.tolerance = tolerance
        self.folds = folds.count
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    public var markdown: String {
        var lines = [
            "Diversity λ on \(folds) validation fold\(folds == 1 ? "" : "s") (mean NDCG@K within \(Int(tolerance * 100)) % of λ = 0 → the largest such λ)",
            "", "| λ | validation NDCG | ± s.d. | change | validation coverage |", "|---:|---:|---:|---:|---:|",
        ]
        for point in curve {
            let mark = point.lambda == chosen ? " **chosen**" : ""
            lines.append("| \(point.lambda)\(mark) | \(Self.format(point.ndcg)) | \(Self.format(point.ndcgDeviation)) | "
                + "\(point.ndcgChange >= 0 ? "+" : "")\(String(format: "%.1f", point.ndcgChange * 100)) % | \(Self.format(point.coverage)) |")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
