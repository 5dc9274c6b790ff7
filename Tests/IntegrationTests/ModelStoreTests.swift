import Foundation
import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// `ModelStore` against PostgreSQL: every model kind survives a save/load round trip bit for bit and scores
/// the same after it; versions flip atomically and prune; the nightly job saves its models through it.
final class ModelStoreTests: XCTestCase {
    var database: TestDatabase!

    override func setUpWithError() throws { database = try TestDatabase() }
    override func tearDown() { database?.drop() }

    /// Deterministic ratings: 40 users, 60 items (ids 3, 6, …), 8–20 ratings each.
    private func ratings() -> [Rating] {
        (1...40).flatMap { user -> [Rating] in
            let count = 8 + (user * 7) % 13
            return (0..<count).map { slot in
                let item = (user * 11 + slot * 17) % 60 + 1
                return Rating(userID: user, itemID: item * 3, value: Float(1 + (user + slot) % 5), timestamp: Int64(user * 100 + slot))
            }
        }
    }

    func testEveryKindRoundTripsAndScoresIdentically() throws {
        let data = InteractionData(ratings: ratings(), catalogue: (1...60).map { $0 * 3 })
        var hyperparameters = ModelHyperparameters()
        hyperparameters.itemKNN = .init(neighbours: 10, shrinkage: 2)
        hyperparameters.ease = .init(regularization: 20)
        hyperparameters.als.factors = 8
        hyperparameters.bpr.factors = 8
        hyperparameters.biasedMF.factors = 8
        let kinds: [ModelKind] = [.popularity, .itemKNN, .ease, .als, .bpr, .biasedMF]
        let models = try kinds.map { try hyperparameters.fit($0, data: data) }
        let store = ModelStore(connection: try database.connect())
        let version = try store.saveNewVersion(models.map { $0.snapshot(data: data) })
        XCTAssertEqual(version, 1)

        let loaded = try ModelStore(connection: try database.connect()).loadCurrent()
        XCTAssertEqual(Set(loaded.map(\.version)), [version])
        let byKind = Dictionary(uniqueKeysWithValues: loaded.map { ($0.snapshot.kind, $0.snapshot) })
        let users = Array(0..<data.userCount)
        for model in models {
            let snapshot = try XCTUnwrap(byKind[model.kind], "\(model.kind) was not stored")
            XCTAssertEqual(snapshot, model.snapshot(data: data), "\(model.kind) changed in the round trip")
            let restored = try restore(snapshot, data: data)
            var expected = [Float](), actual = [Float]()
            model.score(users: users, data: data, into: &expected)
            restored.score(users: users, data: data, into: &actual)
            XCTAssertEqual(actual, expected, "\(model.kind) scores differ after loading")
        }
    }

    private func restore(_ snapshot: ModelSnapshot, data: InteractionData) throws -> any RecommenderModel {
        switch snapshot.kind {
        case .popularity: return try PopularityModel(snapshot: snapshot)
        case .itemKNN: return try ItemKNNModel(snapshot: snapshot, data: data)
        case .ease: return try EASEModel(snapshot: snapshot, data: data)
        case .als: return try ALSModel(snapshot: snapshot, data: data)
        case .bpr: return try BPRModel(snapshot: snapshot, data: data)
        case .biasedMF: return try BiasedMFModel(snapshot: snapshot, data: data)
        case .content: throw XCTSkip("content vectors are rebuilt from the catalogue, not stored")
        }
    }

    func testNewVersionBecomesCurrentAndOldOnesArePruned() throws {
        let data = InteractionData(ratings: ratings(), catalogue: (1...60).map { $0 * 3 })
        let store = ModelStore(connection: try database.connect())
        for _ in 1...4 { try store.saveNewVersion([PopularityModel(data: data).snapshot(data: data)]) }
        XCTAssertEqual(try store.currentVersions()[.popularity]?.version, 4)
        XCTAssertEqual(try store.pruneVersions(keep: 2), 2)
        let connection = try database.connect()
        let versions = try connection.query("SELECT version FROM model_versions ORDER BY version").map { try $0.int("version") }
        XCTAssertEqual(versions, [3, 4])
        let orphans = try connection.query("""
            SELECT count(*)::int AS n FROM model_item_vectors v LEFT JOIN model_versions m USING (model_version_id)
            WHERE m.model_version_id IS NULL
            """)[0].int("n")
        XCTAssertEqual(orphans, 0)
    }

    func testNightlySavesItsModelsAndRecordsTheVersion() throws {
        try NightlyFixtures.load(into: database.connect(), users: 60, items: 120, ratingsPerUser: 5...25)
        let binary = try RecworkerBinary.locate()
        for run in 1...2 {
            let result = try binary.run(["nightly", "--database-url", database.url, "--progress", "none"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let current = try ModelStore(connection: try database.connect()).currentVersions()
            XCTAssertEqual(Set(current.keys), Set(CandidateBlend.default.kinds))
            XCTAssertEqual(Set(current.values.map(\.version)), [run])
            let recorded = try database.connect().query("SELECT model_versions::text AS v FROM recommendation_runs ORDER BY run_id DESC LIMIT 1")[0]["v"] ?? ""
            let versions = try JSONDecoder().decode([String: String].self, from: Data(recorded.utf8))
            for kind in CandidateBlend.default.kinds { XCTAssertEqual(versions[kind.rawValue], "v\(run)", recorded) }
        }
    }

    func testResumedNightlyKeepsTheModelsItAlreadySaved() throws {
        try NightlyFixtures.load(into: database.connect(), users: 120, items: 300, ratingsPerUser: 5...40)
        let binary = try RecworkerBinary.locate()
        let child = try binary.start(["nightly", "--database-url", database.url, "--progress", "none"],
                                     environment: ["RECWORKER_NIGHTLY_BATCH_SIZE": "10", "RECWORKER_NIGHTLY_BATCH_PAUSE_MS": "60"])
        let connection = try database.connect()
        let started = try waitUntil(timeout: 30) { try connection.query("SELECT count(*) AS n FROM run_progress")[0].int("n") >= 20 }
        child.kill()
        XCTAssertTrue(started, "the run never got going: \(child.finish().stderr)")
        XCTAssertEqual(try connection.query("SELECT status FROM recommendation_runs")[0]["status"], "running",
                       "kill -9 came too late to interrupt the run")

        let resumed = try binary.run(["nightly", "--database-url", database.url, "--progress", "none", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let versions = try connection.query("SELECT DISTINCT version FROM model_versions").map { try $0.int("version") }
        XCTAssertEqual(versions, [1], "the resumed run saved its models again")
        let recorded = try connection.query("SELECT model_versions::text AS v FROM recommendation_runs")[0]["v"] ?? ""
        XCTAssertTrue(recorded.contains("\"ease\": \"v1\"") || recorded.contains("\"ease\":\"v1\""), recorded)
    }
}
