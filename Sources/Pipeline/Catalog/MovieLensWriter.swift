/// Renders a dataset in the GroupLens ml-100k layout (the inverse of `MovieLensDataset.load`).
public enum MovieLensWriter {
    public static func files(for dataset: MovieLensDataset) -> [String: String] {
        let genreNames = MovieLensDataset.genreNames
        let items = dataset.items.map { item -> String in
            let flags = genreNames.map { item.genres.contains($0) ? "1" : "0" }
            let title = item.year.map { "\(item.title) (\($0))" } ?? item.title
            let date = item.year.map { "01-Jan-\($0)" } ?? ""
            return ([String(item.id), title, date, "", ""] + flags).joined(separator: "|")
        }
        let users = dataset.users.map {
            [String($0.id), $0.age.map(String.init) ?? "", $0.gender ?? "", $0.occupation ?? "", $0.zip ?? ""].joined(separator: "|")
        }
        let ratings = dataset.ratings.map { "\($0.userID)\t\($0.itemID)\t\(Int($0.value))\t\($0.timestamp)" }
        let genres = genreNames.enumerated().map { "\($1)|\($0)" }
        return [
            "u.item": items.joined(separator: "\n") + "\n",
            "u.user": users.joined(separator: "\n") + "\n",
            "u.data": ratings.joined(separator: "\n") + "\n",
            "u.genre": genres.joined(separator: "\n") + "\n",
        ]
    }
}
