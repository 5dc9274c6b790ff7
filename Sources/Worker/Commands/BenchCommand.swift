import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure recworker's jobs on a dataset.",
        subcommands: [BenchNightlyCommand.self])
}
