/// Parses a one-dimensional `text[]` literal as PostgreSQL prints it: `{a,"b c","d\"e"}`.
enum PostgresTextArray {
    static func parse(_ literal: String) -> [String] {
        var result = [String]()
        var current = ""
        var quoted = false
        var escaped = false
        var wasQuoted = false
        for ch in literal.dropFirst().dropLast() {
            if escaped { current.append(ch); escaped = false; continue }
            switch ch {
            case "\\" where quoted: escaped = true
            case "\"": quoted.toggle(); wasQuoted = true
            case "," where !quoted:
                result.append(current); current = ""; wasQuoted = false
            default: current.append(ch)
            }
        }
        if !current.isEmpty || wasQuoted || !result.isEmpty { result.append(current) }
        return result
    }
}
