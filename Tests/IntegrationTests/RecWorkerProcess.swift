import Foundation

/// Runs the built `recworker` binary as a child process, for tests that need real processes
/// (kill -9, two jobs at once, the command line itself).
final class RecWorkerProcess: @unchecked Sendable {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let process = Process()
    private let stdoutFile: URL
    private let stderrFile: URL

    /// `.build/debug/recworker`: next to the test bundle on Linux, else found from this file's path.
    static var binary: URL {
        let nextToBundle = Bundle.main.bundleURL.appendingPathComponent("recworker")
        if FileManager.default.isExecutableFile(atPath: nextToBundle.path) { return nextToBundle }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/recworker")
    }

    /// The package root, for reading deploy/ files.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stdoutFile = directory.appendingPathComponent("stdout")
        stderrFile = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Runs to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let child = try RecWorkerProcess(arguments, environment: environment)
        return child.wait()
    }

    func wait() -> Result {
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "")
    }

    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func waitUntil(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}
