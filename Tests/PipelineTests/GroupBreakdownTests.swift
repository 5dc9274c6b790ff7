import Pipeline
import XCTest

final class GroupBreakdownTests: XCTestCase {
    private func metrics(ndcg: Double) -> RankingMetrics { RankingMetrics(precision: ndcg / 2, recall: ndcg, ndcg: ndcg, hitRate: ndcg > 0 ? 1 : 0) }

    /// Users 1…60: even ids are "F", odd "M"; ids ≤ 30 are 20 years old, the rest 40; ids ≤ 3 are "artist",
    /// the rest "writer". Each user's NDCG is their id / 100.
    private func fixture() -> (TopNEvaluator.ModelResult, [UserDemographics]) {
        let users = (1...60).map { id in
            UserDemographics(id: id, age: id <= 30 ? 20 : 40, gender: id.isMultiple(of: 2) ? "F" : "M",
                             occupation: id <= 3 ? "artist" : "writer", zip: nil)
        }
        let perUser = users.map { TopNEvaluator.UserResult(userID: $0.id, metrics: metrics(ndcg: Double($0.id) / 100)) }
        let result = TopNEvaluator.ModelResult(name: "m", metrics: .mean(perUser.map(\.metrics)), coverage: 0, trainSeconds: 0, users: perUser)
        return (result, users)
    }

    func testGroupMeansAndGaps() throws {
        let (result, users) = fixture()
        let breakdown = GroupBreakdown(results: [result], users: users, minimumGroupSize: 20)
        func row(_ grouping: String, _ group: String) throws -> GroupBreakdown.Row {
            try XCTUnwrap(breakdown.rows.first { $0.grouping == grouping && $0.group == group })
        }
        // Mean of the even ids 2…60 is 31, of the odd ids 1…59 is 30.
        XCTAssertEqual(try row("gender", "F").metrics.ndcg, 0.31, accuracy: 1e-12)
        XCTAssertEqual(try row("gender", "M").metrics.ndcg, 0.30, accuracy: 1e-12)
        XCTAssertEqual(try row("age band", "18-24").users, 30)
        XCTAssertEqual(try row("age band", "35-44").metrics.ndcg, 0.455, accuracy: 1e-12)
        XCTAssertEqual(try row("occupation", "artist").users, 3)

        let gaps = Dictionary(uniqueKeysWithValues: breakdown.gaps.map { ($0.grouping, $0) })
        XCTAssertEqual(gaps["gender"]?.bestGroup, "F")
        XCTAssertEqual(gaps["gender"]?.worstGroup, "M")
        XCTAssertEqual(gaps["gender"]?.gap ?? 0, 0.01, accuracy: 1e-12)
        XCTAssertEqual(gaps["age band"]?.gap ?? 0, 0.455 - 0.155, accuracy: 1e-12)
        // Only "writer" has 20 users: a single group leaves nothing to compare but is still its own best and worst.
        XCTAssertEqual(gaps["occupation"]?.bestGroup, "writer")
        XCTAssertEqual(gaps["occupation"]?.gap, 0)
    }

    func testUsersWithoutDemographicsAreLeftOut() {
        let (result, users) = fixture()
        let breakdown = GroupBreakdown(results: [result], users: Array(users.prefix(10)), minimumGroupSize: 1)
        XCTAssertEqual(breakdown.rows.filter { $0.grouping == "gender" }.map(\.users).reduce(0, +), 10)
    }

    func testReportCarriesGroupsInEveryFormat() throws {
        let (result, users) = fixture()
        let report = EvaluationReport(protocolName: "full-catalog", k: 10, results: [result],
                                      groups: GroupBreakdown(results: [result], users: users, minimumGroupSize: 20))
        XCTAssertTrue(report.markdown.contains("| gender | F | 30 | 0.3100 |"), report.markdown)
        XCTAssertTrue(report.markdown.contains("| m | gender | F | 0.3100 | M | 0.3000 | 0.0100 |"), report.markdown)
        let csv = try XCTUnwrap(report.groupCSV)
        XCTAssertTrue(csv.contains("m,full-catalog,10,gender,F,30,"), csv)
        let json = try report.json()
        XCTAssertTrue(json.contains("\"fairness\""), json)
        XCTAssertTrue(json.contains("\"best_group\" : \"F\""), json)
    }

    func testPublishedTableParsesAndRejectsBadNumbers() throws {
        let table = try PublishedTable.parse(csv: "model,precision,recall,ndcg\nSVD,0.1,,0.25\n", source: "t.csv")
        XCTAssertEqual(table.rows, [.init(model: "SVD", precision: 0.1, recall: nil, ndcg: 0.25)])
        XCTAssertThrowsError(try PublishedTable.parse(csv: "model,precision,recall,ndcg\nSVD,high,0.1,0.2\n", source: "t.csv"))
        XCTAssertThrowsError(try PublishedTable.parse(csv: "name,p\n", source: "t.csv"))
        let report = EvaluationReport(protocolName: "paper", k: 10, results: [], published: table)
        XCTAssertTrue(report.markdown.contains("| SVD | 0.1000 | – | 0.2500 |"), report.markdown)
    }
}
