import Pipeline
import XCTest

/// The strict scanner behind `EventCodec.decode`: what JSON it accepts and what it refuses, with reasons.
final class EventCodecStrictnessTests: XCTestCase {
    private func decode(_ json: String) -> Result<InteractionEvent, EventRejection> {
        EventCodec.decode(Array(json.utf8))
    }

    private func reason(_ json: String) -> String? {
        if case .failure(let rejection) = decode(json) { return rejection.reason }
        return nil
    }

    private func event(id: String) -> String {
        #"{"event_id":\#(id),"user_id":1,"item_id":2,"type":"view","ts":1}"#
    }

    func testStringEscapesAreDecoded() throws {
        let decoded = try decode(event(id: #""a\"b\\c\/d\u0041\u00e9""#)).get()
        XCTAssertEqual(decoded.eventID, "a\"b\\c/dAé")
        // Control characters decode, and then the contract refuses them in text fields.
        XCTAssertEqual(reason(event(id: #""d\b\f\n\r\t""#)), "field 'event_id': control character U+0008 is not allowed")
    }

    func testUnicodeIsKeptAsWrittenAndThroughSurrogatePairs() throws {
        XCTAssertEqual(try decode(event(id: "\"größe-🎬\"")).get().eventID, "größe-🎬")
        XCTAssertEqual(try decode(event(id: #""\ud83c\udfac""#)).get().eventID, "🎬")
        XCTAssertEqual(reason(event(id: #""\ud83c""#))?.hasPrefix("malformed JSON: unpaired surrogate"), true)
        XCTAssertEqual(reason(event(id: #""\udfac x""#))?.hasPrefix("malformed JSON: unpaired surrogate"), true)
    }

    func testInvalidStringsAreRefused() {
        var invalidUTF8 = Array(event(id: "\"ab\"").utf8)
        invalidUTF8[14] = 0xFF
        guard case .failure(let rejection) = EventCodec.decode(invalidUTF8) else { return XCTFail("accepted invalid UTF-8") }
        XCTAssertTrue(rejection.reason.hasPrefix("malformed JSON: invalid UTF-8"), rejection.reason)
        XCTAssertEqual(reason(event(id: "\"a\tb\""))?.hasPrefix("malformed JSON: control character"), true)
        XCTAssertEqual(reason(event(id: #""a\qb""#))?.hasPrefix("malformed JSON: invalid escape"), true)
        XCTAssertEqual(reason(event(id: #""\u12G4""#))?.hasPrefix("malformed JSON: invalid hex digit"), true)
        XCTAssertEqual(reason(#"{"event_id":"abc"#)?.hasPrefix("malformed JSON: unterminated string"), true)
    }

    func testNumbersFollowTheJSONGrammar() throws {
        let decoded = try decode(#"{"event_id":"n","user_id":12,"item_id":3.0,"type":"rating","value":4.5e0,"ts":1.7e9}"#).get()
        XCTAssertEqual(decoded.itemID, 3)
        XCTAssertEqual(decoded.value, 4.5)
        XCTAssertEqual(decoded.timestamp, 1_700_000_000)
        XCTAssertEqual(try decode(event(id: "123456789012345678901")).get().eventID, "123456789012345678901")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":01,"item_id":2,"type":"view","ts":1}"#)?.hasPrefix("malformed JSON"), true)
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1.,"item_id":2,"type":"view","ts":1}"#)?.hasPrefix("malformed JSON"), true)
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":+1,"item_id":2,"type":"view","ts":1}"#)?.hasPrefix("malformed JSON"), true)
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1e,"item_id":2,"type":"view","ts":1}"#)?.hasPrefix("malformed JSON"), true)
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":"view","ts":1e999}"#)?.hasPrefix("malformed JSON"), true)
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1.5,"item_id":2,"type":"view","ts":1}"#),
                       "field 'user_id': must be an integer in 1...2147483647, got 1.5")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":"7","item_id":2,"type":"view","ts":1}"#), nil)
    }

    func testDuplicateKeysAreRefused() {
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"user_id":2,"item_id":2,"type":"view","ts":1}"#),
                       "malformed JSON: duplicate key 'user_id'")
    }

    func testNestedValuesAreRefusedEvenInUnknownFields() {
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":"view","ts":1,"meta":{"k":1}}"#),
                       "nested value in field 'meta': event contract v1 is a flat object")
        XCTAssertEqual(reason(#"{"event_id":["a"],"user_id":1,"item_id":2,"type":"view","ts":1}"#),
                       "nested value in field 'event_id': event contract v1 is a flat object")
    }

    func testUnknownScalarFieldsAndWhitespaceAreAccepted() throws {
        let decoded = try decode(" \n{ \"extra\" : null , \"flag\":true,\"event_id\" :\"w\",\"user_id\":1,\"item_id\":2,\"type\":\"watch\",\"value\":null,\"ts\":5 }\t").get()
        XCTAssertEqual(decoded, InteractionEvent(eventID: "w", userID: 1, itemID: 2, type: .watch, value: 1, timestamp: 5))
    }

    func testStructuralErrorsAreMalformedJSON() {
        for bad in ["", "   ", "{", "{}x", #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, "{'a':1}", #"{"a":tru}"#, "nul"] {
            XCTAssertEqual(reason(bad)?.hasPrefix("malformed JSON"), true, "accepted or misreported \(bad)")
        }
        XCTAssertEqual(reason("\"text\""), "malformed JSON: expected an object")
        XCTAssertEqual(reason("{}"), "missing field 'event_id'")
    }

    func testFieldsOfTheWrongKindSayWhichField() {
        XCTAssertEqual(reason(event(id: "true")), "field 'event_id': must be a string or a number, got true")
        XCTAssertEqual(reason(event(id: "\"\"")), "field 'event_id': must be 1...200 bytes long, got 0")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":5,"ts":1}"#),
                       "field 'type': unknown type 5 (expected rating|view|watch|purchase|click)")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":"rating","value":"4","ts":1}"#),
                       "field 'value': must be a number, got '4'")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":"view","value":-1,"ts":1}"#),
                       "field 'value': -1 is outside 0...1000 for type view")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":"view","ts":-3}"#)?.hasPrefix(
                       "field 'ts': -3 is outside the accepted window 0..."), true)
    }
}
