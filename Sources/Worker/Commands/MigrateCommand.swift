import ArgumentParser
import Storage

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply the SQL migrations in sql/ (idempotent).")

    @OptionGroup var database: ConfigOptions
    @Option(help: "Folder of NNN_name.sql files (default: the migrations bundled with recworker).")
    var sqlDir: String?

    func run() throws {
        let connection = try database.connect()
        let applied = try Migrator.bundled(directory: sqlDir).migrate(connection)
        print(applied.isEmpty ? "schema is up to date" : "applied: \(applied.joined(separator: ", "))")
    }
}
