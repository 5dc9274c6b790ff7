import Pipeline
import XCTest

/// Event contract v1's ranges: every field has a bound, and a rejection names the field and the rule.
final class EventContractTests: XCTestCase {
    private let now = 1_750_000_000.0

    private func decode(_ fields: [String: String], contract: EventContract = EventContract()) -> Result<InteractionEvent, EventRejection> {
        var all = ["event_id": #""e1""#, "user_id": "1", "item_id": "2", "type": #""view""#, "value": "1", "ts": "1700000000"]
        all.merge(fields) { _, new in new }
        let json = "{" + all.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        return EventCodec.decode(Array(json.utf8), contract: contract, now: now)
    }

    private func reason(_ fields: [String: String], contract: EventContract = EventContract()) -> String? {
        if case .failure(let rejection) = decode(fields, contract: contract) { return rejection.reason }
        return nil
    }

    func testValueBoundsPerTypeAreInclusiveAndOutsideIsRefusedNamingTheField() {
        for type in InteractionType.allCases {
            let range = EventContract.valueRange(for: type)
            XCTAssertNil(reason(["type": "\"\(type.rawValue)\"", "value": "\(range.lowerBound)"]), "\(type) lower bound")
            XCTAssertNil(reason(["type": "\"\(type.rawValue)\"", "value": "\(range.upperBound)"]), "\(type) upper bound")
            let above = reason(["type": "\"\(type.rawValue)\"", "value": "\(range.upperBound * 2 + 1)"])
            XCTAssertEqual(above?.hasPrefix("field 'value':"), true, above ?? "accepted")
            XCTAssertEqual(above?.contains("for type \(type.rawValue)"), true, above ?? "")
        }
        XCTAssertEqual(reason(["value": "1e39"]), "field 'value': 1e39 is outside 0...1000 for type view")
        XCTAssertEqual(reason(["type": #""purchase""#, "value": "3.4e38"]), "field 'value': 3.4e38 is outside 0...1000000 for type purchase")
        XCTAssertEqual(reason(["value": #""NaN""#]), "field 'value': must be a number, got 'NaN'")
        XCTAssertEqual(reason(["value": "-0.5"]), "field 'value': -0.5 is outside 0...1000 for type view")
    }

    func testTimestampsOutsideTheWindowAreRefused() {
        XCTAssertNil(reason(["ts": "0"]))
        XCTAssertNil(reason(["ts": "\(Int(now) + 86_000)"]))
        for far in ["10000000000", "9000000000000000", "1e300", "-1", "\"9999-12-31T23:59:59Z\""] {
            XCTAssertEqual(reason(["ts": far])?.hasPrefix("field 'ts':"), true, "\(far): \(reason(["ts": far]) ?? "accepted")")
        }
        XCTAssertEqual(reason(["ts": "1e300"])?.contains("outside the accepted window 0...1750086400"), true)
        // The window is configurable.
        let strict = EventContract(earliestTimestamp: 1_600_000_000, maxFutureSeconds: 0)
        XCTAssertNotNil(reason(["ts": "1500000000"], contract: strict))
        XCTAssertNotNil(reason(["ts": "\(Int(now) + 10)"], contract: strict))
        XCTAssertNil(reason(["ts": "1700000000"], contract: strict))
    }

    func testIdsMustFitThirtyTwoBits() {
        XCTAssertNil(reason(["user_id": "2147483647", "item_id": "\"2147483647\""]))
        for bad in ["2147483648", "0", "-3", "1.5", "\"99999999999999999999999\"", "\"12a\"", "true", "null"] {
            XCTAssertEqual(reason(["user_id": bad])?.hasPrefix("field 'user_id': must be an integer in 1...2147483647"), true, bad)
            XCTAssertEqual(reason(["item_id": bad])?.hasPrefix("field 'item_id': must be an integer in 1...2147483647"), true, bad)
        }
    }

    func testTextFieldsRefuseControlCharactersAndOversizeButKeepOtherUnicode() throws {
        XCTAssertEqual(reason(["event_id": #""h6\u0000x""#]), "field 'event_id': control character U+0000 is not allowed")
        XCTAssertEqual(reason(["event_id": #""a\u0085b""#]), "field 'event_id': control character U+0085 is not allowed")
        XCTAssertEqual(reason(["event_id": "\"\(String(repeating: "é", count: 101))\""]), "field 'event_id': must be 1...200 bytes long, got 202")
        XCTAssertEqual(reason(["event_id": #""""#]), "field 'event_id': must be 1...200 bytes long, got 0")
        // Quotes, backslashes and combining marks are ordinary text.
        let event = try decode(["event_id": #""q\"\\\u0301e\u0301""#]).get()
        XCTAssertEqual(event.eventID, "q\"\\\u{301}e\u{301}")
    }

    func testReasonsNeverCarryControlCharactersFromTheMessage() {
        let refused = reason(["type": #""bogus\u0000\"\\""#])
        XCTAssertEqual(refused, #"field 'type': unknown type 'bogus\u{0000}"\' (expected rating|view|watch|purchase|click)"#)
        XCTAssertFalse(refused!.unicodeScalars.contains(where: EventContract.isControl))
    }

    func testEveryAcceptedEventLiesInsideTheContract() {
        // A seeded sweep over boundary literals: whatever is accepted is finite and in range.
        let literals = ["0", "1", "5", "1000", "1000000", "1e39", "3.4e38", "-0", "4.9e-324", "2147483647", "2147483648", "1e11",
                        "99999999999", "1.0000001", "\"1\"", "\"2147483647\"", "null", "true", "-1e-300"]
        for type in InteractionType.allCases {
            for value in literals {
                for ts in literals {
                    guard case .success(let event) = decode(["type": "\"\(type.rawValue)\"", "value": value, "ts": ts]) else { continue }
                    XCTAssertTrue(EventContract.valueRange(for: type).contains(event.value), "\(type) value \(value)")
                    XCTAssertTrue(EventContract().timestampWindow(now: now).contains(event.timestamp), "ts \(ts)")
                }
            }
        }
    }
}
