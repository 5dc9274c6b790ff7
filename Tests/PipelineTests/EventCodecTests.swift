import Pipeline
import XCTest

final class EventCodecTests: XCTestCase {
    private func decode(_ json: String) -> Result<InteractionEvent, EventRejection> {
        EventCodec.decode(Array(json.utf8))
    }

    private func reason(_ json: String) -> String? {
        if case .failure(let rejection) = decode(json) { return rejection.reason }
        return nil
    }

    func testRoundTripsAnEncodedEvent() throws {
        let event = InteractionEvent(eventID: "e-1 \"quoted\"", userID: 7, itemID: 42, type: .rating, value: 4, timestamp: 881_250_949)
        let decoded = try EventCodec.decode(EventCodec.encode(event)).get()
        XCTAssertEqual(decoded, event)
    }

    func testImplicitEventsDefaultTheirValueToOne() throws {
        let event = try decode(#"{"event_id":"v1","user_id":3,"item_id":9,"type":"view","ts":"2024-01-02T03:04:05Z"}"#).get()
        XCTAssertEqual(event.type, .view)
        XCTAssertEqual(event.value, 1)
        XCTAssertEqual(event.timestamp, 1_704_164_645)
    }

    func testMillisecondTimestampsAreRecognised() throws {
        let event = try decode(#"{"event_id":"m","user_id":3,"item_id":9,"type":"click","ts":1704164645123}"#).get()
        XCTAssertEqual(event.timestamp, 1_704_164_645.123, accuracy: 0.001)
    }

    func testRejectionsSayWhatIsWrong() {
        XCTAssertEqual(reason("{not json")?.hasPrefix("malformed JSON"), true)
        XCTAssertEqual(reason("[1,2]"), "malformed JSON: expected an object")
        XCTAssertEqual(reason(#"{"user_id":1,"item_id":2,"type":"view","ts":1}"#), "missing field 'event_id'")
        XCTAssertEqual(reason(#"{"event_id":"a","item_id":2,"type":"view","ts":1}"#), "missing field 'user_id'")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":"like","ts":1}"#),
                       "field 'type': unknown type 'like' (expected rating|view|watch|purchase|click)")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":"rating","value":7,"ts":1}"#),
                       "field 'value': 7 is outside 1...5 for type rating")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":"rating","ts":1}"#),
                       "missing field 'value' for a rating")
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":-4,"item_id":2,"type":"view","ts":1}"#)?.hasPrefix("field 'user_id': must be an integer"), true)
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":true,"item_id":2,"type":"view","ts":1}"#)?.hasPrefix("field 'user_id': must be an integer"), true)
        XCTAssertEqual(reason(#"{"event_id":"a","user_id":1,"item_id":2,"type":"view","ts":"yesterday"}"#)?.hasPrefix("field 'ts': must be"), true)
    }

    func testOversizedPayloadsAreRejectedBeforeParsing() {
        let payload = [UInt8](repeating: UInt8(ascii: " "), count: EventCodec.maxPayloadBytes + 1)
        guard case .failure(let rejection) = EventCodec.decode(payload) else { return XCTFail("accepted an oversized payload") }
        XCTAssertTrue(rejection.reason.contains("exceeds"))
    }
}
