import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// A fresh database holding a small stream for the `StreamModels` tests: users 1–20 with six ratings of 4 each,
/// item ids spread over 40.
class StreamModelsDatabaseTestCase: XCTestCase {
    var database: TestDatabase!
    var connection: PostgresConnection!

    override func setUpWithError() throws {
        database = try TestDatabase()
        connection = try database.connect()
        try ingest(users: 1...20, itemsPerUser: 6, prefix: "a")
    }

    override func tearDown() { database?.drop() }

    func item(user: Int, nth: Int) -> Int { (user * 7 + nth) % 40 + 1 }

    func ingest(users: ClosedRange<Int>, itemsPerUser: Int, prefix: String) throws {
        let events = users.flatMap { user in
            (1...itemsPerUser).map { nth in
                InteractionEvent(eventID: "\(prefix)\(user)-\(nth)", userID: user, itemID: item(user: user, nth: nth),
                                 type: .rating, value: 4, timestamp: 1_700_000_000)
            }
        }
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: events, deadLetters: [], progress: []))
    }
}
