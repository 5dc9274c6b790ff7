import Pipeline
import XCTest

/// `InteractionData.add` finds a repeated pair by an item → position table during a run of one user's ratings and
/// by a search otherwise; whatever the order of the ratings, the matrix is the one a plain search builds.
final class InteractionDataAddTests: XCTestCase {
    /// The matrix by the simplest rules: first-seen indices, pairs in arrival order, repeats combined in order.
    private struct Reference {
        var userIDs: [Int] = [], itemIDs: [Int] = []
        var userItems: [[Int32]] = [], userValues: [[Float]] = [], itemUsers: [[Int32]] = [], itemValues: [[Float]] = []

        init(_ ratings: [Rating], catalogue: [Int], accumulation: InteractionAccumulation) {
            var userIndex = [Int: Int](), itemIndex = [Int: Int]()
            func index(_ id: Int, _ map: inout [Int: Int], _ ids: inout [Int], _ lists: inout [[Int32]], _ values: inout [[Float]]) -> Int {
                if let known = map[id] { return known }
                map[id] = ids.count; ids.append(id); lists.append([]); values.append([])
                return ids.count - 1
            }
            for id in catalogue { _ = index(id, &itemIndex, &itemIDs, &itemUsers, &itemValues) }
            for rating in ratings {
                guard let value = EventWeights.clip(rating.value) else { continue }
                let user = index(rating.userID, &userIndex, &userIDs, &userItems, &userValues)
                let item = index(rating.itemID, &itemIndex, &itemIDs, &itemUsers, &itemValues)
                if let position = userItems[user].firstIndex(of: Int32(item)) {
                    let combined = accumulation.combine(userValues[user][position], value)
                    userValues[user][position] = combined
                    itemValues[item][itemUsers[item].firstIndex(of: Int32(user))!] = combined
                } else {
                    userItems[user].append(Int32(item)); userValues[user].append(value)
                    itemUsers[item].append(Int32(user)); itemValues[item].append(value)
                }
            }
        }
    }

    private func assertSame(_ data: InteractionData, _ reference: Reference, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(data.users.ids, reference.userIDs, label, file: file, line: line)
        XCTAssertEqual(data.items.ids, reference.itemIDs, label, file: file, line: line)
        XCTAssertEqual(data.userItems, reference.userItems, label, file: file, line: line)
        XCTAssertEqual(data.userValues, reference.userValues, label, file: file, line: line)
        XCTAssertEqual(data.itemUsers, reference.itemUsers, label, file: file, line: line)
        XCTAssertEqual(data.itemValues, reference.itemValues, label, file: file, line: line)
        XCTAssertEqual(data.interactionCount, reference.userItems.map(\.count).reduce(0, +), label, file: file, line: line)
    }

    func testAnyOrderBuildsTheMatrixAPlainSearchBuilds() {
        var seed: UInt64 = 7
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        // Users with long and short histories, many repeats (values that sum, max and are clipped), new items
        // appearing mid-run, and a NaN that must be skipped.
        var ratings = [Rating]()
        for _ in 0..<6_000 {
            let user = next(10) < 3 ? 1 + next(3) : 10 + next(40)
            let value: Float = next(50) == 0 ? .nan : Float(next(12)) / 2
            ratings.append(Rating(userID: user, itemID: 1 + next(user < 10 ? 400 : 60), value: value, timestamp: Int64(next(1000))))
        }
        let byUser = ratings.enumerated().sorted { ($0.element.userID, $0.offset) < ($1.element.userID, $1.offset) }.map(\.element)
        // Runs of one user, interleaved with others: the table is loaded, dropped and loaded again.
        var runs = [Rating]()
        var rest = ratings[...]
        while !rest.isEmpty {
            let length = 1 + next(60)
            let run = rest.prefix(length)
            runs.append(contentsOf: run.map { Rating(userID: run.first!.userID, itemID: $0.itemID, value: $0.value, timestamp: 0) })
            rest = rest.dropFirst(length)
        }
        for accumulation in InteractionAccumulation.allCases {
            for (name, order) in [("arrival", ratings), ("by user", byUser), ("runs", runs)] {
                let catalogue = [5, 3, 999]
                let built = InteractionData(ratings: order, catalogue: catalogue, accumulation: accumulation)
                assertSame(built, Reference(order, catalogue: catalogue, accumulation: accumulation), "\(name), \(accumulation)")
                // The same ratings added in batches to a matrix that already holds some give the same matrix.
                var grown = InteractionData(ratings: Array(order.prefix(1_000)), catalogue: catalogue, accumulation: accumulation)
                var start = 1_000
                while start < order.count {
                    let end = min(order.count, start + 1 + next(900))
                    grown.add(Array(order[start..<end]))
                    start = end
                }
                assertSame(grown, Reference(order, catalogue: catalogue, accumulation: accumulation), "\(name) in batches, \(accumulation)")
            }
        }
    }

    func testTouchedSetStillNamesEveryChangedUserItemAndNewPair() {
        var data = InteractionData(ratings: (0..<40).map { Rating(userID: 1, itemID: $0, value: 3, timestamp: 0) }, accumulation: .max)
        let batch = (0..<40).map { Rating(userID: 1, itemID: $0 % 2 == 0 ? $0 : 100 + $0, value: 4, timestamp: 0) }
            + [Rating(userID: 2, itemID: 5, value: 1, timestamp: 0)]
        let touched = data.add(batch)
        XCTAssertEqual(touched.users, [0, 1])
        XCTAssertEqual(touched.newPairs.count, 21, "20 new items for user 1, one pair for user 2")
        XCTAssertEqual(Set(touched.items).count, touched.items.count)
        XCTAssertEqual(touched.items.count, 41, "20 raised, 20 new, and item 5 for user 2")
        XCTAssertEqual(data.interactionCount, 40 + 20 + 1)
        XCTAssertTrue(data.add([Rating(userID: 1, itemID: 0, value: 2, timestamp: 0)]).isEmpty, "a weaker repeat under max changes nothing")
    }

    /// What `bench soak` counts as the data's memory: every pair costs 16 bytes, and spare capacity at most as
    /// much again once the arrays have grown.
    func testReservedBytesCoverEveryPairAndGrowWithThem() {
        var data = InteractionData(ratings: (0..<300).map { Rating(userID: $0 % 17, itemID: $0 % 41, value: 1, timestamp: 0) })
        let before = data.reservedBytes
        XCTAssertGreaterThanOrEqual(before, 16 * data.interactionCount)
        data.add((0..<2_000).map { Rating(userID: 100 + $0 / 40, itemID: $0 % 40, value: 2, timestamp: 0) })
        XCTAssertGreaterThanOrEqual(data.reservedBytes - before, 16 * 2_000)
        XCTAssertLessThanOrEqual(data.reservedBytes, 2 * 16 * data.interactionCount + 64 * (data.userCount + data.itemCount))
    }
}
