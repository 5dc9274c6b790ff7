import Foundation

// Usage: EmbedMigrationsTool OUTPUT.swift NNN_name.sql...
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT.swift FILE.sql...\n".utf8))
    exit(2)
}
var source = "// Generated from sql/*.sql by the EmbedMigrations plugin. Do not edit.\n"
source += "let embeddedMigrations: [(file: String, sql: String)] = [\n"
for path in arguments.dropFirst() {
    let sql = try String(contentsOfFile: path, encoding: .utf8)
    let name = (path as NSString).lastPathComponent
    // A raw string delimiter longer than any run of # in the SQL keeps the text verbatim.
    var hashes = "#"
    while sql.contains("\"" + hashes) { hashes += "#" }
    source += "    (file: \"\(name)\", sql: \(hashes)\"\"\"\n\(sql)\n\"\"\"\(hashes)),\n"
}
source += "]\n"
try source.write(toFile: output, atomically: true, encoding: .utf8)
