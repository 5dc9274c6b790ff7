import Foundation
import Pipeline
import Storage
import TestSupport
import XCTest

/// The whole path on the real services: Kafka (tansu) → worker → PostgreSQL → LLM (llama-server) → PostgreSQL.
final class EndToEndTests: XCTestCase {
    func testEventsBecomeLLMRerankedRowsWithExplanations() throws {
        _ = try TestEnvironment.require("LLM_BASE_URL")
        let harness = try StreamTestHarness(topicPrefix: "e2e")
        defer { harness.tearDown() }
        let dataset = SyntheticMovieLens(users: 8, items: 60, ratingsPerUser: 12, seed: 11).generate()
        let catalog = CatalogStore(connection: try harness.database.connect())
        try catalog.upsert(items: dataset.items)
        try catalog.upsert(users: dataset.users)
        try harness.publish(dataset.ratings.map {
            InteractionEvent(eventID: "e2e-\($0.userID)-\($0.itemID)", userID: $0.userID, itemID: $0.itemID, type: .rating,
                             value: Double($0.value), timestamp: Double($0.timestamp))
        })

        let run = try harness.binary.run(harness.streamArguments(extra: [
            "--llm", "on", "--llm-max-calls", "3", "--llm-candidates", "8", "--llm-reason-chars", "40", "--publish", "5",
            "--llm-timeout", "60", "--llm-max-attempts", "2",
            "--setting", "profiles.summary=llm", "--setting", "profiles.summary_max_chars=200",
        ]), timeout: .seconds(600))
        XCTAssertEqual(run.status, 0, run.stderr)

        let connection = try harness.database.connect()
        let llmUsers = try connection.query("SELECT DISTINCT user_id FROM current_recommendations WHERE source = 'llm'").map { try $0.int("user_id") }
        XCTAssertGreaterThanOrEqual(llmUsers.count, 3, "fewer than 3 users were reranked by the LLM:\n\(run.stderr)")
        XCTAssertEqual(try harness.count("SELECT count(DISTINCT user_id) AS n FROM current_recommendations"), dataset.users.count)
        for user in llmUsers {
            let rows = try connection.query("SELECT item_id, explanation FROM current_recommendations WHERE user_id = $1 ORDER BY rank", [user])
            XCTAssertEqual(rows.count, 5)
            let rated = Set(dataset.ratings.filter { $0.userID == user }.map(\.itemID))
            let catalogue = Set(dataset.items.map(\.id))
            for row in rows {
                let item = try row.int("item_id")
                XCTAssertTrue(catalogue.contains(item), "the LLM row names item \(item), which is not in the catalogue")
                XCTAssertFalse(rated.contains(item), "user \(user) already rated item \(item)")
                XCTAssertFalse((row["explanation"] ?? "").isEmpty)
            }
            XCTAssertEqual(Set(try rows.map { try $0.int("item_id") }).count, rows.count, "duplicate items for user \(user)")
            // The explanation gate: never one reason on every row, never a reason ending in a cut-off separator.
            let texts = rows.map { $0["explanation"] ?? "" }
            XCTAssertGreaterThan(Set(texts).count, 1, "one reason repeated on every item for user \(user): \(texts)")
            XCTAssertFalse(texts.contains { $0.hasSuffix("/") || $0.hasSuffix(",") || $0.hasSuffix(" and") }, "a reason cut mid-sentence: \(texts)")
        }
        XCTAssertGreaterThanOrEqual(try harness.count("SELECT count(*) AS n FROM llm_cache WHERE prompt_tokens > 0 AND completion_tokens > 0"), 3)

        // profiles.summary = llm: the real model was asked for each reranked user's profile. Its text is kept only when
        // it passes the summary check; otherwise the template stands in, stored with the model's name.
        let model = try XCTUnwrap(ProcessInfo.processInfo.environment["LLM_MODEL"])
        let summaries = try connection.query(
            "SELECT user_id, summary, summary_source, summary_model FROM profile_summaries WHERE user_id = ANY($1::int[])", [llmUsers])
        XCTAssertEqual(summaries.count, llmUsers.count, "a reranked user has no stored summary")
        for row in summaries {
            let (user, text) = (try row.int("user_id"), row["summary"] ?? "")
            XCTAssertEqual(row["summary_model"], model, "user \(user)'s summary was not asked of the LLM:\n\(run.stderr)")
            if row["summary_source"] == "llm" {
                XCTAssertTrue((3...200).contains(text.count), "an accepted summary outside the bounds: \(text)")
                XCTAssertFalse(text.contains(String(user)), "an accepted summary names the user id: \(text)")
            } else {
                XCTAssertEqual(row["summary_source"], "template")
                XCTAssertTrue(text.hasPrefix("They have"), "a refused summary was not replaced by the template: \(text)")
            }
        }
        let summaryLine = summaries.map { "\($0["summary_source"] ?? "?"): \($0["summary"] ?? "")" }.joined(separator: "\n")
        FileHandle.standardError.write(Data("profile summaries written with \(model):\n\(summaryLine)\n".utf8))

        let show = try harness.binary.run(["show", "--database-url", harness.database.url, "--recent", "3"])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertEqual(show.stdout.components(separatedBy: "[llm]").count - 1, 15, show.stdout)
    }
}
