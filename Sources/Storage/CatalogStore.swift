import Pipeline
import PostgresClient

/// Items and user demographics (MovieLens `u.item` / `u.user`), upserted set-based through COPY.
public struct CatalogStore: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public func upsert(items: [Item]) throws {
        try connection.transaction { tx in
            try tx.execute("CREATE TEMP TABLE staging_items (LIKE items INCLUDING DEFAULTS) ON COMMIT DROP")
            try tx.copy("COPY staging_items (item_id, title, year, genres) FROM STDIN", lines: items.lazy.map {
                PostgresCopy.line([String($0.id), $0.title, $0.year.map(String.init), $0.genres.postgresText])
            })
            try tx.execute("""
                INSERT INTO items (item_id, title, year, genres, is_stub, updated_at)
                SELECT item_id, title, year, genres, false, now() FROM staging_items
                ON CONFLICT (item_id) DO UPDATE SET title = EXCLUDED.title, year = EXCLUDED.year,
                    genres = EXCLUDED.genres, is_stub = false, updated_at = now()
                """)
        }
    }

    public func upsert(users: [UserDemographics]) throws {
        try connection.transaction { tx in
            try tx.execute("CREATE TEMP TABLE staging_users (LIKE users INCLUDING DEFAULTS) ON COMMIT DROP")
            try tx.copy("COPY staging_users (user_id, age, gender, occupation, zip) FROM STDIN", lines: users.lazy.map {
                PostgresCopy.line([String($0.id), $0.age.map(String.init), $0.gender, $0.occupation, $0.zip])
            })
            try tx.execute("""
                INSERT INTO users (user_id, age, gender, occupation, zip, updated_at)
                SELECT user_id, age, gender, occupation, zip, now() FROM staging_users
                ON CONFLICT (user_id) DO UPDATE SET age = EXCLUDED.age, gender = EXCLUDED.gender,
                    occupation = EXCLUDED.occupation, zip = EXCLUDED.zip, updated_at = now()
                """)
        }
    }

    public func items(ids: [Int]) throws -> [Int: Item] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query("SELECT item_id, title, year, genres FROM items WHERE item_id = ANY($1::int[])", [ids])
        return Dictionary(uniqueKeysWithValues: try rows.map { row in
            let item = Item(id: try row.int("item_id"), title: try row.string("title"), year: row.optionalInt("year"),
                            genres: PostgresTextArray.parse(row["genres"] ?? "{}"))
            return (item.id, item)
        })
    }
}
