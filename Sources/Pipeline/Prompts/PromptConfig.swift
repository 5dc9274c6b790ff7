/// What goes into a rerank prompt and how big it may get.
public struct PromptConfig: Sendable, Hashable {
    /// History entries shown at most (newest first).
    public var maxHistory: Int
    /// History is cut down to this before any candidate is dropped.
    public var minHistory: Int
    /// Candidates shown at most (in the candidate model's order).
    public var maxCandidates: Int
    /// Upper bound on estimated prompt tokens; truncation keeps the prompt under it when it can.
    public var promptTokenBudget: Int
    /// Longest reason the answer schema allows per item; bounds completion tokens.
    public var reasonMaxCharacters: Int
    /// Privacy switch: when false (the default) age, gender and occupation never reach the LLM.
    public var includeDemographics: Bool

    public init(
        maxHistory: Int = 15, minHistory: Int = 3, maxCandidates: Int = 20, promptTokenBudget: Int = 1_500,
        reasonMaxCharacters: Int = 80, includeDemographics: Bool = false
    ) {
        self.maxHistory = maxHistory
        self.minHistory = minHistory
        self.maxCandidates = maxCandidates
        self.promptTokenBudget = promptTokenBudget
        self.reasonMaxCharacters = reasonMaxCharacters
        self.includeDemographics = includeDemographics
    }

    /// Completion tokens one ranked entry may cost: JSON keys, a short id, indentation the grammar
    /// allows, and the reason at the estimator's bytes per token.
    public var completionTokensPerItem: Int { 24 + reasonMaxCharacters / TokenEstimate.bytesPerToken }
}
