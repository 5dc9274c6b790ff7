import Foundation

/// Reads an LLM's rerank answer into picks, tolerating what endpoints without structured output send:
/// prose or code fences around the JSON, a bare array instead of `{"ranking": […]}`, plain ids instead
/// of objects, lower-case ids, and answers cut off by `max_tokens` (every complete entry is kept).
public struct RerankAnswer: Sendable, Hashable {
    public var picks: [Grounding.Pick]
    /// Ids the answer named that were not shown; grounding would drop them anyway, counted for metrics.
    public var unknownIDs: [String]
    /// True when the JSON was not well-formed and entries were salvaged one object at a time.
    public var salvaged: Bool

    public init(picks: [Grounding.Pick], unknownIDs: [String], salvaged: Bool) {
        self.picks = picks
        self.unknownIDs = unknownIDs
        self.salvaged = salvaged
    }

    /// - Parameter itemIDByShortID: the prompt's short ids (`RerankPrompt.itemIDByShortID`).
    public static func parse(_ content: String, itemIDByShortID: [String: Int]) -> RerankAnswer {
        let lookup = Dictionary(itemIDByShortID.map { ($0.key.uppercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        var unknown = [String]()
        func pick(from entry: Any) -> Grounding.Pick? {
            let id: String?
            var reason: String?
            switch entry {
            case let object as [String: Any]:
                id = (object["id"] ?? object["item"] ?? object["item_id"]).flatMap(Self.idText)
                reason = (object["reason"] ?? object["explanation"]) as? String
            default:
                id = Self.idText(entry)
            }
            guard let id else { return nil }
            guard let itemID = lookup[id.trimmingCharacters(in: .whitespaces).uppercased()] else {
                unknown.append(id)
                return nil
            }
            reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
            return Grounding.Pick(itemID: itemID, reason: reason?.isEmpty == false ? reason : nil)
        }

        if let entries = wellFormedEntries(in: content) {
            return RerankAnswer(picks: entries.compactMap(pick), unknownIDs: unknown, salvaged: false)
        }
        return RerankAnswer(picks: completeObjects(in: content).compactMap(pick), unknownIDs: unknown, salvaged: true)
    }

    static func idText(_ value: Any) -> String? {
        switch value {
        case let text as String: return text
        case let number as NSNumber: return "C\(number.intValue)"
        default: return nil
        }
    }

    /// The ranking array if the content holds well-formed JSON somewhere (after any prose or fences).
    static func wellFormedEntries(in content: String) -> [Any]? {
        guard let start = content.firstIndex(where: { $0 == "{" || $0 == "[" }) else { return nil }
        let closing: Character = content[start] == "{" ? "}" : "]"
        guard let end = content.lastIndex(of: closing), start < end else { return nil }
        let data = Data(content[start...end].utf8)
        guard let json = try? JSONSerialization.jsonObject(with: data) else { return nil }
        if let array = json as? [Any] { return array }
        if let object = json as? [String: Any] {
            for key in ["ranking", "recommendations", "items", "results"] {
                if let array = object[key] as? [Any] { return array }
            }
            // A single entry answered as an object.
            if object["id"] != nil { return [object] }
            return []
        }
        return nil
    }

    /// Every flat `{…}` object that parses on its own: the complete entries of a truncated answer.
    static func completeObjects(in content: String) -> [Any] {
        var objects = [Any]()
        var start: String.Index?
        var inString = false
        var escaped = false
        for index in content.indices {
            let character = content[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"": inString = true
            case "{": start = index
            case "}":
                if let open = start, let object = try? JSONSerialization.jsonObject(with: Data(content[open...index].utf8)),
                   let entry = object as? [String: Any], entry["id"] != nil || entry["item"] != nil {
                    objects.append(entry)
                }
                start = nil
            default: break
            }
        }
        return objects
    }
}
