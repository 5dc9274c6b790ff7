import LinearAlgebra
import Pipeline

/// Ratings with a planted block structure: users and items fall into `groups`, and each user rates a random
/// `density` share of their own group's items only. A model that learns anything should recommend a user's
/// unseen own-group items before any other group's.
struct PlantedBlocks {
    let groups: Int
    let usersPerGroup: Int
    let itemsPerGroup: Int
    let ratings: [Rating]

    init(groups: Int = 3, usersPerGroup: Int = 30, itemsPerGroup: Int = 20, density: Double = 0.5, seed: UInt64 = 1) {
        self.groups = groups
        self.usersPerGroup = usersPerGroup
        self.itemsPerGroup = itemsPerGroup
        var generator = SeededGenerator(seed: seed)
        var ratings = [Rating]()
        for user in 0..<(groups * usersPerGroup) {
            let group = user / usersPerGroup
            for offset in 0..<itemsPerGroup where Double.random(in: 0..<1, using: &generator) < density {
                let value = Float(3 + generator.index(below: 3))
                ratings.append(Rating(userID: 1000 + user, itemID: 5000 + group * itemsPerGroup + offset, value: value, timestamp: Int64(ratings.count)))
            }
        }
        self.ratings = ratings
    }

    func group(ofUser id: Int) -> Int { (id - 1000) / usersPerGroup }
    func group(ofItem id: Int) -> Int { (id - 5000) / itemsPerGroup }
    var allItemIDs: [Int] { (0..<(groups * itemsPerGroup)).map { 5000 + $0 } }

    /// Share of users whose top `n` unseen items all come from their own group.
    func recovery(of model: any RecommenderModel, data: InteractionData, n: Int = 5) -> Double {
        var recovered = 0
        for user in 0..<data.userCount {
            let own = group(ofUser: data.users.id(at: user))
            let top = model.top(n, forUser: user, data: data)
            if top.count == n && top.allSatisfy({ group(ofItem: $0.itemID) == own }) { recovered += 1 }
        }
        return Double(recovered) / Double(data.userCount)
    }
}
