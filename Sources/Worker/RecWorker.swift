import ArgumentParser

@main
struct RecWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recworker",
        abstract: "Streaming and nightly recommendation worker: Kafka events in, LLM-reranked recommendations out in PostgreSQL.",
        subcommands: [
            MigrateCommand.self,
            LoadCatalogCommand.self,
            SimulateCommand.self,
            ProduceCommand.self,
            StreamCommand.self,
            DeadLettersCommand.self,
            ShowCommand.self,
            NightlyCommand.self,
            ConfigCommand.self,
            UserCommand.self,
            RunsCommand.self,
            LLMCacheCommand.self,
            EvaluateCommand.self,
            CalibrateCommand.self,
            ExportCommand.self,
            BenchCommand.self,
        ]
    )
}
