/// Builds lines of PostgreSQL's COPY text format: tab-separated fields, `\N` for NULL, with
/// backslash, tab, newline and carriage return escaped.
public enum PostgresCopy {
    public static func line(_ fields: [String?]) -> String {
        var out = ""
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append("\t") }
            guard let field else { out.append("\\N"); continue }
            out.append(escape(field))
        }
        return out
    }

    public static func escape(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 92 || $0 == 9 || $0 == 10 || $0 == 13 }) else { return field }
        var out = ""
        out.reserveCapacity(field.utf8.count + 8)
        for ch in field.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
