/// The model families recworker trains. The raw value is the name used on the command line, in
/// `model_versions.kind` and in evaluation output.
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    case popularity
    case itemKNN = "item-knn"
    /// Biased matrix factorisation on explicit ratings trained by SGD: the study's "SVD".
    case biasedMF = "svd"
    /// Bayesian personalised ranking on implicit feedback: the study's LightFM-BPR role.
    case bpr
    /// Implicit alternating least squares with conjugate-gradient solves.
    case als
    /// Embarrassingly shallow autoencoder (closed form).
    case ease
    /// Genre/year similarity to the user's history: how new items without interactions surface.
    case content
}
