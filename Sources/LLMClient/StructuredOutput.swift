import Pipeline

/// How the endpoint is asked for JSON. Every mode is read by the tolerant parser and grounded, so a
/// weaker mode costs answer quality, never correctness.
public enum StructuredOutput: String, Sendable, CaseIterable {
    /// `response_format: json_schema` with an `enum` of the shown ids (OpenAI, llama.cpp, vLLM, Ollama ≥ 0.5).
    case jsonSchema = "json-schema"
    /// `response_format: json_object`: valid JSON, but ids are not constrained.
    case jsonObject = "json-object"
    /// No `response_format`: the prompt alone asks for JSON.
    case none

    /// The `response_format` for `prompt`, or nil for `.none`.
    public func responseFormat(for prompt: RerankPrompt, reasonMaxCharacters: Int) -> JSONValue? {
        switch self {
        case .none: return nil
        case .jsonObject: return .object(["type": .string("json_object")])
        case .jsonSchema:
            return .object([
                "type": .string("json_schema"),
                "json_schema": .object(["name": .string("rerank"), "schema": Self.rerankSchema(for: prompt, reasonMaxCharacters: reasonMaxCharacters)]),
            ])
        }
    }

    /// `{"ranking": [{"id": <one of the shown ids>, "reason": <short text>}, …]}` with exactly
    /// `rankCount` entries: grammar-constrained servers (llama.cpp) can then emit nothing else.
    static func rerankSchema(for prompt: RerankPrompt, reasonMaxCharacters: Int) -> JSONValue {
        let entry: JSONValue = .object([
            "type": .string("object"),
            "properties": .object([
                "id": .object(["type": .string("string"), "enum": .array(prompt.shownIDs.map(JSONValue.string))]),
                "reason": .object(["type": .string("string"), "maxLength": .int(reasonMaxCharacters)]),
            ]),
            "required": .array([.string("id"), .string("reason")]),
            "additionalProperties": .bool(false),
        ])
        return .object([
            "type": .string("object"),
            "properties": .object([
                "ranking": .object([
                    "type": .string("array"), "items": entry,
                    "minItems": .int(prompt.rankCount), "maxItems": .int(prompt.rankCount),
                ]),
            ]),
            "required": .array([.string("ranking")]),
            "additionalProperties": .bool(false),
        ])
    }
}
