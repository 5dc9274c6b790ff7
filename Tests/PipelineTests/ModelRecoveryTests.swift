import Pipeline
import XCTest

/// Every model must recover a planted block structure: each user's top items come from their own group.
final class ModelRecoveryTests: XCTestCase {
    let blocks = PlantedBlocks()
    lazy var data = InteractionData(ratings: blocks.ratings, catalogue: blocks.allItemIDs)

    func testItemKNNRecoversBlocks() {
        XCTAssertEqual(blocks.recovery(of: ItemKNNModel(data: data, configuration: .init(neighbours: 10)), data: data), 1)
    }

    func testEASERecoversBlocks() throws {
        XCTAssertEqual(blocks.recovery(of: try EASEModel(data: data, configuration: .init(regularization: 10)), data: data), 1)
    }

    func testALSRecoversBlocks() {
        let model = ALSModel(data: data, configuration: .init(factors: 8, regularization: 0.1, alpha: 5, iterations: 10))
        XCTAssertGreaterThanOrEqual(blocks.recovery(of: model, data: data), 0.95)
    }

    func testBPRRecoversBlocks() {
        let model = BPRModel(data: data, configuration: .init(factors: 8, learningRate: 0.05, epochs: 60))
        XCTAssertGreaterThanOrEqual(blocks.recovery(of: model, data: data), 0.95)
    }

    func testBiasedMFFitsTheRatings() {
        // Explicit MF predicts ratings; in-group ratings are 3…5, so the training error must be well below
        // the spread of a constant predictor (≈0.82).
        let model = BiasedMFModel(data: data, configuration: .init(factors: 8, learningRate: 0.01, epochs: 60))
        let squaredErrors = blocks.ratings.map { rating -> Float in
            let error = rating.value - model.predict(user: data.users.index(of: rating.userID)!, item: data.items.index(of: rating.itemID)!)
            return error * error
        }
        let rmse = (squaredErrors.reduce(0, +) / Float(squaredErrors.count)).squareRoot()
        XCTAssertLessThan(rmse, 0.6)
    }

    func testBlendRecoversBlocks() throws {
        let blend = try CandidateBlend.default.fit(data: data)
        XCTAssertEqual(blocks.recovery(of: blend, data: data), 1)
    }

    func testFittingIsDeterministicForASeed() {
        let first = BPRModel(data: data, configuration: .init(factors: 4, epochs: 5, seed: 11))
        let second = BPRModel(data: data, configuration: .init(factors: 4, epochs: 5, seed: 11))
        XCTAssertEqual(first.userFactors, second.userFactors)
        XCTAssertEqual(ALSModel(data: data, configuration: .init(factors: 4, iterations: 3)).itemFactors,
                       ALSModel(data: data, configuration: .init(factors: 4, iterations: 3)).itemFactors)
    }
}
