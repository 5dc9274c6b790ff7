import Foundation

/// Runs the built `recworker` executable, the way operators do, for tests that need a real process
/// (kill -9, several group members, exit codes and messages).
public struct RecworkerBinary: Sendable {
    public let url: URL

    /// `swift build --build-tests` puts `recworker` next to the test bundle in `.build/<config>/`.
    public static func locate() throws -> RecworkerBinary {
        if let explicit = ProcessInfo.processInfo.environment["RECWORKER_BIN"] {
            return RecworkerBinary(url: URL(fileURLWithPath: explicit))
        }
        var folder = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("recworker")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return RecworkerBinary(url: candidate) }
            folder = folder.deletingLastPathComponent()
        }
        throw TestEnvironment.MissingService(variable: "RECWORKER_BIN (recworker binary not found next to the tests; run `swift build` first)")
    }

    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs to completion (bounded by `timeout`, after which the process is killed).
    public func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) throws -> Output {
        let process = try start(arguments, environment: environment)
        let deadline = ContinuousClock.now + timeout
        while process.process.isRunning {
            if ContinuousClock.now > deadline { process.kill(); break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return process.finish()
    }

    public func start(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningProcess {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let stdout = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-\(UUID().uuidString).out")
        let stderr = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-\(UUID().uuidString).err")
        // Opening them for writing below fails with the reason if they could not be created.
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        return RunningProcess(process: process, stdoutFile: stdout, stderrFile: stderr)
    }
}

public final class RunningProcess: @unchecked Sendable {
    public let process: Process
    let stdoutFile: URL
    let stderrFile: URL

    init(process: Process, stdoutFile: URL, stderrFile: URL) {
        self.process = process
        self.stdoutFile = stdoutFile
        self.stderrFile = stderrFile
    }

    /// SIGKILL: no handler runs, nothing is flushed — a crash as far as the worker can tell.
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    public func terminate() {
        if process.isRunning { process.terminate() }
    }

    public func finish() -> RecworkerBinary.Output {
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: stdoutFile)
            try? FileManager.default.removeItem(at: stderrFile)
        }
        return RecworkerBinary.Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "")
    }
}
