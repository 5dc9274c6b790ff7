/// Token counts estimated before a call, for the prompt budget and the rate limiter.
///
/// Real tokenizers differ per model, so the estimate is deliberately pessimistic: English BPE
/// vocabularies average about four bytes per token, digits and punctuation (ids, years, JSON) fewer,
/// and Gemma's tokenizer measured 3.4 on our prompts; three bytes per token keeps the estimate an
/// upper bound in practice, which is what a limiter needs (it reconciles with `usage` afterwards).
public enum TokenEstimate {
    public static let bytesPerToken = 3
    /// Chat templates wrap each message in role markers.
    public static let perMessageOverhead = 4

    public static func tokens(in text: String) -> Int {
        (text.utf8.count + bytesPerToken - 1) / bytesPerToken
    }

    public static func tokens(inMessages messages: [String]) -> Int {
        messages.reduce(0) { $0 + tokens(in: $1) + perMessageOverhead }
    }
}
