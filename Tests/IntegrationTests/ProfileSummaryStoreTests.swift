import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// Stored profile summaries: what a profile read brings back, and the rule that a template written without asking
/// an LLM never replaces a summary an LLM was asked for.
final class ProfileSummaryStoreTests: XCTestCase {
    func testSummariesRoundTripAndATemplateNeverReplacesAnLLMSummary() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("INSERT INTO user_profiles (user_id, event_count) VALUES (1, 12), (2, 3)")
        let store = ProfileStore(connection: connection)
        func stored(_ user: Int) throws -> WrittenSummary? { try store.profiles(userIDs: [user])[user]?.writtenSummary }

        XCTAssertNil(try stored(1), "no summary yet")
        let basis = SummaryBasis(eventCount: 12, topGenres: ["Crime", "Film-Noir", "Drama"])
        let template = WrittenSummary(text: "They have 12 ratings.", source: .template, model: nil, basis: basis, withDemographics: false)
        try store.storeSummaries([1: template, 2: template])
        XCTAssertEqual(try stored(1), template)

        let llm = WrittenSummary(text: "Loves film noir, with 'quotes' and a \"twist\".", source: .llm, model: "gemma-3-270m",
                                 basis: basis, withDemographics: true)
        try store.storeSummaries([1: llm])
        XCTAssertEqual(try stored(1), llm)
        XCTAssertEqual(try store.profiles(userIDs: [1, 2, 3]).compactMapValues(\.writtenSummary), [1: llm, 2: template])

        // Every refresh writes the template; it must not undo the LLM's summary.
        var newer = template
        newer.basis.eventCount = 13
        try store.storeSummaries([1: newer, 2: newer])
        XCTAssertEqual(try stored(1), llm)
        XCTAssertEqual(try stored(2), newer)

        // A refused answer (the template, with the model that was asked) does replace it.
        let refused = WrittenSummary(text: "They have 20 ratings.", source: .template, model: "gemma-3-270m",
                                     basis: SummaryBasis(eventCount: 20, topGenres: []), withDemographics: false)
        try store.storeSummaries([1: refused])
        XCTAssertEqual(try stored(1), refused)

        // Erasing a user takes the summary with it.
        _ = try UserErasure(connection: connection).erase(userID: 1)
        XCTAssertEqual(try store.profiles(userIDs: [1, 2]).compactMapValues(\.writtenSummary).keys.sorted(), [2])
    }
}
