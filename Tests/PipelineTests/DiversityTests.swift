import Pipeline
import XCTest

/// The diversity rerank and the beyond-accuracy metrics `evaluate` prints.
final class DiversityTests: XCTestCase {
    private let genres: [Int: GenreSet] = [
        1: GenreSet(["Action"]), 2: GenreSet(["Action"]), 3: GenreSet(["Action"]), 4: GenreSet(["Drama"]), 5: GenreSet(["Comedy"]),
    ]
    private let popularity: [Int: Double] = [1: 500, 2: 400, 3: 300, 4: 20, 5: 10]
    private var candidates: [ScoredItem] { (1...5).map { ScoredItem(itemID: $0, score: Double(10 - $0)) } }

    private func rerank(_ lambda: Double, genreWeight: Double = DiversityReranker.defaultGenreWeight) -> [ScoredItem] {
        DiversityReranker(lambda: lambda, genreWeight: genreWeight)
            .rerank(candidates, limit: 5, genres: { self.genres[$0]! }, popularity: { self.popularity[$0]! })
    }

    func testLambdaZeroKeepsTheModelOrder() {
        XCTAssertEqual(rerank(0), candidates)
    }

    func testAStrongerLambdaBringsOtherGenresAndLessPopularItemsForward() {
        XCTAssertEqual(rerank(0.2).map(\.itemID).first, 1, "a weak rerank keeps the clear favourite")
        let strong = rerank(2).map(\.itemID)
        XCTAssertLessThan(strong.firstIndex(of: 4)!, strong.firstIndex(of: 2)!)
        XCTAssertLessThan(strong.firstIndex(of: 5)!, strong.firstIndex(of: 3)!)
        // Genre redundancy alone (no help from popularity once the weight dominates) also breaks up the Action run.
        let genreOnly = rerank(0.3, genreWeight: 20).map(\.itemID)
        XCTAssertEqual(Set(genreOnly.prefix(3)), [1, 4, 5])
    }

    func testScoresNeverIncreaseDownTheList() {
        for lambda in [0.1, 0.5, 1, 3] {
            let scores = rerank(lambda).map(\.score)
            XCTAssertEqual(scores, scores.sorted(by: >), "λ \(lambda)")
        }
    }

    func testGenreSimilarityAndGini() {
        XCTAssertEqual(GenreSet(["Action", "Drama"]).similarity(to: GenreSet(["Action"])), 1 / 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(GenreSet([]).similarity(to: GenreSet(["Action"])), 0)
        XCTAssertEqual(Exposure.gini([5, 5, 5, 5]), 0, accuracy: 1e-12)
        XCTAssertEqual(Exposure.gini([0, 0, 0, 12]), 0.75, accuracy: 1e-12)
    }

    func testListQualityMeasuresDiversityNoveltyAndLift() throws {
        // Items 1 and 2 (Action) were seen by 3 and 1 of 3 users; item 3 (Drama) by nobody.
        let data = InteractionData(ratings: [
            Rating(userID: 1, itemID: 1, value: 5, timestamp: 0), Rating(userID: 2, itemID: 1, value: 5, timestamp: 0),
            Rating(userID: 3, itemID: 1, value: 5, timestamp: 0), Rating(userID: 3, itemID: 2, value: 5, timestamp: 0),
        ], catalogue: [1, 2, 3])
        let items = [Item(id: 1, title: "a", year: nil, genres: ["Action"]), Item(id: 2, title: "b", year: nil, genres: ["Action"]),
                     Item(id: 3, title: "c", year: nil, genres: ["Drama"])]
        let statistics = ItemStatistics(items: items, data: data)
        let samey = statistics.quality(list: [1, 2], history: [2])
        XCTAssertEqual(samey.diversity, 0)
        XCTAssertEqual(samey.popularityLift, (3.0 + 1) / 2 / 1 - 1, accuracy: 1e-12)
        let mixed = statistics.quality(list: [1, 3], history: [2])
        XCTAssertEqual(mixed.diversity, 1)
        XCTAssertEqual(mixed.novelty, (-log2(4.0 / 4) - log2(1.0 / 4)) / 2, accuracy: 1e-12)
        XCTAssertGreaterThan(mixed.novelty, samey.novelty)
    }
}

/// `evaluate` measures lists after the diversity rerank, with list quality and exposure.
final class DiversityEvaluationTests: XCTestCase {
    func testTheEvaluatorMeasuresListsAfterTheRerank() throws {
        let blocks = PlantedBlocks()
        let data = InteractionData(ratings: blocks.ratings, catalogue: blocks.allItemIDs)
        let items = blocks.allItemIDs.map { Item(id: $0, title: "\($0)", year: nil, genres: [$0 % 2 == 0 ? "Drama" : "Comedy"]) }
        let test = (0..<data.userCount).compactMap { user -> Rating? in
            let id = data.users.id(at: user)
            let seen = Set(data.userItems[user].map { data.items.id(at: Int($0)) })
            return blocks.allItemIDs.first { blocks.group(ofItem: $0) == blocks.group(ofUser: id) && !seen.contains($0) }
                .map { Rating(userID: id, itemID: $0, value: 5, timestamp: 0) }
        }
        let model = try ModelHyperparameters().fit(.ease, data: data)
        let plain = TopNEvaluator(k: 5, items: items).evaluate(name: "p", model: model, data: data, test: test, trainSeconds: 0)
        let diverse = TopNEvaluator(k: 5, items: items, diversity: DiversityReranker(lambda: 1))
            .evaluate(name: "d", model: model, data: data, test: test, trainSeconds: 0)
        XCTAssertNotNil(plain.quality)
        XCTAssertNotNil(plain.exposureGini)
        // Every list leans to less popular items. (Coverage is not asserted: in a catalogue this small every user's pool
        // holds the same few unpopular items, so the rerank can concentrate exposure; on ML-100K it widens it.)
        XCTAssertGreaterThan(try XCTUnwrap(diverse.quality?.novelty), try XCTUnwrap(plain.quality?.novelty))
        XCTAssertLessThan(try XCTUnwrap(diverse.quality?.popularityLift), try XCTUnwrap(plain.quality?.popularityLift))
    }
}
