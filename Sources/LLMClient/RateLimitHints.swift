import Foundation
import NIOHTTP1

/// What an endpoint said about its own limits in response headers: `Retry-After` (seconds or an
/// HTTP date), `retry-after-ms` (OpenAI, Azure), and OpenAI's `x-ratelimit-remaining-*` with
/// `x-ratelimit-reset-*` durations such as `1s`, `6m0s` or `20ms`.
public struct RateLimitHints: Sendable, Hashable {
    public var retryAfter: Duration?
    public var remainingRequests: Int?
    public var remainingTokens: Int?
    public var resetRequests: Duration?
    public var resetTokens: Duration?

    public init(
        retryAfter: Duration? = nil, remainingRequests: Int? = nil, remainingTokens: Int? = nil,
        resetRequests: Duration? = nil, resetTokens: Duration? = nil
    ) {
        self.retryAfter = retryAfter
        self.remainingRequests = remainingRequests
        self.remainingTokens = remainingTokens
        self.resetRequests = resetRequests
        self.resetTokens = resetTokens
    }

    public init(headers: HTTPHeaders, now: Date = Date()) {
        if let milliseconds = headers.first(name: "retry-after-ms").flatMap(Double.init) {
            retryAfter = .milliseconds(max(0, milliseconds))
        } else if let value = headers.first(name: "retry-after") {
            retryAfter = Self.parseRetryAfter(value, now: now)
        }
        remainingRequests = headers.first(name: "x-ratelimit-remaining-requests").flatMap { Int($0) }
        remainingTokens = headers.first(name: "x-ratelimit-remaining-tokens").flatMap { Int($0) }
        resetRequests = headers.first(name: "x-ratelimit-reset-requests").flatMap(Self.parseDuration)
        resetTokens = headers.first(name: "x-ratelimit-reset-tokens").flatMap(Self.parseDuration)
    }

    static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) { return .milliseconds(Int64(max(0, seconds) * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }

    /// Go-style durations as OpenAI sends them: `1h2m3.5s`, `6m0s`, `20ms`, or bare seconds.
    static func parseDuration(_ value: String) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return .milliseconds(Int64(seconds * 1000)) }
        var total = 0.0
        var number = ""
        var index = text.startIndex
        var sawUnit = false
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            guard let value = Double(number) else { return nil }
            let rest = text[index...]
            let (unit, length): (Double, Int)
            if rest.hasPrefix("ms") { (unit, length) = (0.001, 2) }
            else if rest.hasPrefix("h") { (unit, length) = (3600, 1) }
            else if rest.hasPrefix("m") { (unit, length) = (60, 1) }
            else if rest.hasPrefix("s") { (unit, length) = (1, 1) }
            else { return nil }
            total += value * unit
            number = ""
            sawUnit = true
            index = text.index(index, offsetBy: length)
        }
        guard sawUnit, number.isEmpty else { return nil }
        return .milliseconds(Int64(total * 1000))
    }
}
