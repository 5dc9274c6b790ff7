import Pipeline
/// How the stream worker consumes, batches and refreshes.
struct StreamSettings: Sendable {
    var brokers: String
    var topic: String
    var groupID: String
    /// Most messages applied in one transaction.
    var maxBatchSize: Int
    /// Longest a batch waits to fill once its first message has arrived.
    var maxBatchWait: Duration
    /// Stop after this long with nothing consumed and nothing left to refresh (demo and test runs).
    var exitWhenIdle: Duration?
    var kafkaProperties: [String: String]
    /// The ranges events must lie in (the timestamp window is configurable).
    var contract = EventContract()
    /// A batch starting at the same offset may fail this many times (in this process or by killing it) before
    /// the message there is dead-lettered instead of tried again.
    var maxAttempts = RecWorkerConfig.Stream.defaultMaxAttempts
}

/// How the refresher regenerates candidates and published rows.
struct RefreshSettings: Sendable {
    var candidateCount: Int
    var publishedCount: Int
    /// Users claimed at a time when the queue is quiet; a backlog grows claims up to `maxUsersPerClaim` (`ClaimSizer`).
    var usersPerClaim: Int
    /// Largest claim while the queue is backlogged. With a reranker, claims stay at `usersPerClaim`: each claimed user
    /// is an LLM call, and a claim is acknowledged only when all of them have answered.
    var maxUsersPerClaim: Int
    /// How long a claimed user stays reserved; a refresher killed mid-claim delays those users this long.
    var claimLease: Duration
    var includeDemographics: Bool
    /// `profiles.summary: llm`: prompts use the stored LLM-written summaries (the reranker writes new ones).
    var llmSummaries = false
    /// Most LLM reranks this process may make (nil: no limit besides the client's own budget).
    var maxLLMCalls: Int?
    var modelVersion: String
    /// Longest a queued user waits behind users touched less recently before it goes first.
    var maxWait: Duration = .seconds(1)
    /// Attempts at refreshing a user whose refresh fails on its own before it is skipped until its next event.
    var maxAttempts = 5
}
