/// `name=value` overrides (`als.regularization=10`, `blend.ease=1`) so hyper-parameters can be searched from
/// the command line (`recworker evaluate --validation --set …`) without code changes.
extension ModelHyperparameters {
    public static let overridableNames = [
        "item-knn.neighbours", "item-knn.shrinkage", "ease.regularization", "ease.value-scale", "ease.max-items", "als.binary",
        "als.factors", "als.regularization", "als.alpha", "als.iterations", "als.cg-steps",
        "bpr.factors", "bpr.learning-rate", "bpr.regularization", "bpr.epochs",
        "svd.factors", "svd.learning-rate", "svd.regularization", "svd.epochs",
    ]

    public mutating func set(_ assignment: String) throws {
        let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Double(parts[1]) else { throw OverrideError(assignment: assignment) }
        switch parts[0] {
        case "item-knn.neighbours": itemKNN.neighbours = Int(value)
        case "item-knn.shrinkage": itemKNN.shrinkage = Float(value)
        case "ease.regularization": ease.regularization = Float(value)
        case "ease.value-scale": ease.valueScale = Float(value)
        case "ease.max-items": ease.maxItems = Int(value)
        case "als.binary": als.binary = value != 0
        case "als.factors": als.factors = Int(value)
        case "als.regularization": als.regularization = Float(value)
        case "als.alpha": als.alpha = Float(value)
        case "als.iterations": als.iterations = Int(value)
        case "als.cg-steps": als.conjugateGradientSteps = Int(value)
        case "bpr.factors": bpr.factors = Int(value)
        case "bpr.learning-rate": bpr.learningRate = Float(value)
        case "bpr.regularization": bpr.regularization = Float(value)
        case "bpr.epochs": bpr.epochs = Int(value)
        case "svd.factors": biasedMF.factors = Int(value)
        case "svd.learning-rate": biasedMF.learningRate = Float(value)
        case "svd.regularization": biasedMF.regularization = Float(value)
        case "svd.epochs": biasedMF.epochs = Int(value)
        default: throw OverrideError(assignment: assignment)
        }
    }

    public struct OverrideError: Error, CustomStringConvertible {
        public let assignment: String
        public var description: String {
            "cannot apply --set \(assignment): use name=number with a name from \(ModelHyperparameters.overridableNames.joined(separator: ", ")) or blend.<model>"
        }
    }
}

extension CandidateBlend {
    /// Applies `blend.<model>=weight`; returns false for assignments that are not blend weights.
    public mutating func set(_ assignment: String) throws -> Bool {
        guard assignment.hasPrefix("blend.") else { return false }
        let parts = assignment.dropFirst("blend.".count).split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = ModelKind(rawValue: parts[0]), let weight = Float(parts[1]) else {
            throw ModelHyperparameters.OverrideError(assignment: assignment)
        }
        weights[kind] = weight == 0 ? nil : weight
        return true
    }
}
