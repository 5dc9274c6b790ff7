import Foundation
import PackagePlugin

/// Compiles the numbered SQL files in `sql/` into the Storage module, so `sql/` stays the single source
/// of the schema and a deployed binary needs no resource folder beside it.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let sqlFolder = context.package.directoryURL.appending(path: "sql")
        let files = try FileManager.default.contentsOfDirectory(atPath: sqlFolder.path())
            .filter { $0.hasSuffix(".sql") }
            .sorted()
            .map { sqlFolder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) SQL migrations",
            executable: try context.tool(named: "EmbedMigrationsTool").url,
            arguments: [output.path()] + files.map { $0.path() },
            inputFiles: files,
            outputFiles: [output])]
    }
}
