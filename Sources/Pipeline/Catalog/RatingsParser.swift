/// Reads ratings files in every GroupLens layout byte by byte: `u.data` (tab), `ratings.dat` (`::`) and
/// `ratings.csv` (comma, header row), as well as ready split files in any of those formats. ML-20M's
/// 20 million lines would cost minutes through `String.split`.
enum RatingsParser {
    private static let tab = UInt8(ascii: "\t"), space = UInt8(ascii: " "), comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")
    private static let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
    private static let dot = UInt8(ascii: "."), minus = UInt8(ascii: "-"), zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")

    static func parse(_ bytes: [UInt8], file: String) throws -> [Rating] {
        var ratings = [Rating]()
        ratings.reserveCapacity(bytes.count / 24)
        try bytes.withUnsafeBufferPointer { buffer in
            var position = 0
            var line = 0
            while position < buffer.count {
                line += 1
                var end = position
                while end < buffer.count, buffer[end] != newline { end += 1 }
                var last = end
                if last > position, buffer[last - 1] == carriageReturn { last -= 1 }
                defer { position = end + 1 }
                if last == position { continue }
                // A header row (`userId,movieId,…`) starts with a letter.
                if line == 1, !(zero...nine).contains(buffer[position]) { continue }
                var cursor = position
                guard let user = integer(buffer, &cursor, last), let item = integer(buffer, &cursor, last),
                      let value = decimal(buffer, &cursor, last) else {
                    throw MovieLensError.badLine(file: file, line: line, reason: "expected `user item rating timestamp` (tab, `::` or comma separated)")
                }
                let timestamp = integer(buffer, &cursor, last) ?? 0
                guard user <= Int(Int32.max), item <= Int(Int32.max) else {
                    throw MovieLensError.badLine(file: file, line: line, reason: "user or item id above 2147483647 (the worker's 32-bit ids)")
                }
                ratings.append(Rating(userID: user, itemID: item, value: value, timestamp: Int64(timestamp)))
            }
        }
        return ratings
    }

    private static func isSeparator(_ byte: UInt8) -> Bool { byte == tab || byte == space || byte == comma || byte == colon }

    /// Skips separators, then reads an optionally signed integer.
    private static func integer(_ buffer: UnsafeBufferPointer<UInt8>, _ cursor: inout Int, _ end: Int) -> Int? {
        while cursor < end, isSeparator(buffer[cursor]) { cursor += 1 }
        let negative = cursor < end && buffer[cursor] == minus
        if negative { cursor += 1 }
        let start = cursor
        var value = 0
        while cursor < end, (zero...nine).contains(buffer[cursor]), cursor - start < 18 {
            value = value * 10 + Int(buffer[cursor] - zero)
            cursor += 1
        }
        guard cursor > start, cursor == end || isSeparator(buffer[cursor]) else { return nil }
        return negative ? -value : value
    }

    /// Skips separators, then reads a non-negative decimal such as `4`, `3.5` or `4.0`.
    private static func decimal(_ buffer: UnsafeBufferPointer<UInt8>, _ cursor: inout Int, _ end: Int) -> Float? {
        while cursor < end, isSeparator(buffer[cursor]) { cursor += 1 }
        let start = cursor
        var whole = 0, fraction = 0, scale = 1
        while cursor < end, (zero...nine).contains(buffer[cursor]), cursor - start < 9 { whole = whole * 10 + Int(buffer[cursor] - zero); cursor += 1 }
        guard cursor > start else { return nil }
        if cursor < end, buffer[cursor] == dot {
            cursor += 1
            while cursor < end, (zero...nine).contains(buffer[cursor]), scale < 1_000_000 {
                fraction = fraction * 10 + Int(buffer[cursor] - zero); scale *= 10; cursor += 1
            }
        }
        guard cursor == end || isSeparator(buffer[cursor]) else { return nil }
        return Float(whole) + Float(fraction) / Float(scale)
    }
}
