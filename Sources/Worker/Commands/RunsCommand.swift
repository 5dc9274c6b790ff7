import ArgumentParser
import Storage

/// Publication runs: what is kept, what is current, and going back to an earlier one.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List, inspect or roll back publication runs.", subcommands: [List.self, Show.self, Rollback.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Kept runs, newest first; * marks the current one.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Most runs shown.") var limit = 20

        func run() throws {
            let connection = try options.connect()
            let current = try RunStore(connection: connection).currentRunID()
            print("  run_id  kind     status      users     rows  started_at                     finished_at")
            for run in try RunStore(connection: connection).runs(limit: limit) {
                let mark = run.runID == current ? "*" : " "
                print("\(mark) \(pad(run.runID, 6))  \(run.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))  "
                    + "\(run.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(pad(run.userCount, 5))  \(pad(run.rowCount, 7))  "
                    + "\(run.startedAt.padding(toLength: 29, withPad: " ", startingAt: 0))  \(run.finishedAt ?? "-")")
            }
        }

        private func pad(_ number: Int, _ width: Int) -> String {
            let text = String(number)
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One run's details.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The run id.") var runID: Int

        func run() throws {
            let connection = try options.connect()
            guard let found = try RunStore(connection: connection).run(id: runID) else {
                throw ValidationError("run \(runID) does not exist (pruned or never made); `recworker runs list` shows the kept runs")
            }
            let current = try RunStore(connection: connection).currentRunID()
            let lines: [(String, String)] = [
                ("run_id", String(found.runID) + (found.runID == current ? " (current)" : "")),
                ("kind", found.kind.rawValue), ("status", found.status.rawValue),
                ("started_at", found.startedAt), ("finished_at", found.finishedAt ?? "-"), ("snapshot_at", found.snapshotAt ?? "-"),
                ("seed", String(found.seed)), ("users", "\(found.userCount) of \(found.plannedUsers) planned"), ("rows", String(found.rowCount)),
                ("llm", "\(found.llmUsers) users planned, \(found.llmRequests) requests, \(found.llmTokens) tokens"),
                ("model_versions", found.modelVersions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")),
                ("announced_at", found.announcedAt ?? "-"), ("error", found.error ?? "-"),
            ]
            for (key, value) in lines { print("\(key.padding(toLength: 15, withPad: " ", startingAt: 0)) \(value)") }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an earlier kept run current again, atomically (readers never see a mix).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The run to make current.") var to: Int

        func run() throws {
            let outcome = try PublicationRollback(connection: try options.connect()).rollback(to: to)
            print("current run is now \(to) (was \(outcome.previousRunID)); \(outcome.requeuedUsers) users with newer events queued for refresh")
        }
    }
}
