/// The contract's fields as scanned from one payload, before validation; unknown keys are ignored.
struct EventFields {
    var eventID: FlatJSONValue?
    var userID: FlatJSONValue?
    var itemID: FlatJSONValue?
    var type: FlatJSONValue?
    var value: FlatJSONValue?
    var ts: FlatJSONValue?

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws -> EventFields {
        var fields = EventFields()
        var scanner = FlatJSONScanner(bytes)
        try scanner.scanObject { key, value in
            switch key.count {
            case 2 where key.elementsEqual("ts".utf8): fields.ts = value
            case 4 where key.elementsEqual("type".utf8): fields.type = value
            case 5 where key.elementsEqual("value".utf8): fields.value = value
            case 7 where key.elementsEqual("user_id".utf8): fields.userID = value
            case 7 where key.elementsEqual("item_id".utf8): fields.itemID = value
            case 8 where key.elementsEqual("event_id".utf8): fields.eventID = value
            default: break
            }
        }
        return fields
    }
}
