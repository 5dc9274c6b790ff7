import ArgumentParser
import Foundation
import Logging

struct NightlyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "Retrain every model, rank every user (LLM within budget), publish atomically, prune old runs.",
        discussion: """
            Exits 0 when the run is published, 75 when another nightly job holds the lock (nothing changed),
            1 on other errors (the run stays resumable: `recworker nightly --resume`).
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Finish the run a crash or kill left unfinished (or its announcement) instead of starting a new one.")
    var resume = false

    @Option(help: "Model seed (overrides models.seed; a resumed run keeps its own).")
    var seed: UInt64?

    @Flag(help: "Rank with the models only, whatever llm.enabled says.")
    var noLLM = false

    @OptionGroup var llmOptions: LLMOptions

    @Option(help: "Progress display: auto (bar on a terminal, lines otherwise), bar, lines, none.")
    var progress: NightlyProgressStyle = .auto

    func run() async throws {
        var overrides = llmOptions.overrides
        if let seed { overrides["models.seed"] = String(seed) }
        if noLLM { overrides["llm.enabled"] = "false" }
        let config = try options.load(overrides: overrides)
        let logger = Logger(label: "recworker.nightly")
        let job = try NightlyJob(config: config, reranker: try ConfiguredReranker.makeIfEnabled(config: config, logger: logger), progress: progress.makeReporter(), logger: logger)
        do {
            let report = try await job.run(resume: resume)
            print(report.summary)
        } catch let error as NightlyError {
            if case .alreadyRunning = error {
                FileHandle.standardError.write(Data("recworker nightly: \(error)\n".utf8))
                throw ExitCode(75)
            }
            throw error
        }
    }
}

extension NightlyProgressStyle: ExpressibleByArgument {}
