import Pipeline
import PostgresClient

/// Reads user profiles: stored aggregates, demographics and recent history joined with item metadata.
public struct ProfileStore: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public func profiles(userIDs: [Int], historyLength: Int = 20) throws -> [Int: UserProfile] {
        try profilesAndSeenItems(userIDs: userIDs, historyLength: historyLength).profiles
    }

    /// `profiles`, and every item each user has interacted with (what candidates must exclude), from the same read
    /// of the users' interactions (the refresher needs both).
    /// Demographics and summaries are looked up by key per claimed user (`LIMIT 1` keeps the planner from turning
    /// the lookups back into joins): as joins, the planner read every summary, which the refresher rewrites all the
    /// time (43 of 64 ms for 4,000 of 50,000 users, against 19 ms now).
    public func profilesAndSeenItems(userIDs: [Int], historyLength: Int = 20) throws -> (profiles: [Int: UserProfile], seen: [Int: Set<Int>]) {
        guard !userIDs.isEmpty else { return ([:], [:]) }
        let aggregates = try connection.query("""
            SELECT p.user_id, p.rating_count, p.rating_sum, p.rating_sum_sq, p.view_count, p.watch_count,
                   p.purchase_count, p.click_count, extract(epoch FROM p.first_seen) AS first_seen,
                   extract(epoch FROM p.last_seen) AS last_seen, u.age, u.gender, u.occupation, u.zip,
                   u.user_id IS NOT NULL AS has_demographics, \(Self.summaryColumns)
            FROM user_profiles p
            LEFT JOIN LATERAL (SELECT * FROM users WHERE users.user_id = p.user_id LIMIT 1) u ON true
            LEFT JOIN LATERAL (SELECT * FROM profile_summaries WHERE profile_summaries.user_id = p.user_id LIMIT 1) s ON true
            WHERE p.user_id = ANY($1::int[])
            """, [userIDs])
        var profiles = [Int: UserProfile]()
        for row in aggregates {
            let id = try row.int("user_id")
            let counts: [InteractionType: Int] = [
                .rating: try row.int("rating_count"), .view: try row.int("view_count"), .watch: try row.int("watch_count"),
                .purchase: try row.int("purchase_count"), .click: try row.int("click_count"),
            ]
            profiles[id] = UserProfile(
                userID: id,
                demographics: try row.bool("has_demographics")
                    ? UserDemographics(id: id, age: row.optionalInt("age"), gender: row["gender"], occupation: row["occupation"], zip: row["zip"])
                    : nil,
                countsByType: counts.filter { $0.value > 0 },
                ratingCount: try row.int("rating_count"), ratingSum: try row.double("rating_sum"),
                ratingSumOfSquares: try row.double("rating_sum_sq"),
                firstSeen: row.optionalDouble("first_seen"), lastSeen: row.optionalDouble("last_seen"),
                writtenSummary: try Self.writtenSummary(row))
        }
        let seen = try addInteractionAggregates(to: &profiles, userIDs: userIDs, historyLength: historyLength)
        return (profiles, seen)
    }

    /// One read of the users' interactions gives their recent history, activity histogram and genre sums, computed
    /// as the `user_activity` and `user_genre_affinity` views compute them for SQL users (three queries, a third of
    /// a refresh's database time, did it before); what retention folded into the archives is added.
    /// Returns every item each user has interacted with.
    private func addInteractionAggregates(to profiles: inout [Int: UserProfile], userIDs: [Int], historyLength: Int) throws -> [Int: Set<Int>] {
        // Newest first, so a user's history is a prefix.
        let (read, seen) = try readEvents(userIDs: userIDs, withEventIDs: false)
        var events = read.mapValues { $0.sorted { $0.isNewer(than: $1) } }
        // Event ids only break ties of time, and only a tie across the history's cut changes which events it keeps:
        // those users are read again with their ids. (Sending every id was most of the read once users had a few
        // hundred events each; streamed events rarely share a microsecond, bulk-loaded ratings often share a second.)
        let tied = events.compactMap { userID, newestFirst -> Int? in
            guard historyLength > 0, newestFirst.count > historyLength else { return nil }
            return newestFirst[historyLength - 1].micros == newestFirst[historyLength].micros ? userID : nil
        }
        if !tied.isEmpty {
            for (userID, userEvents) in try readEvents(userIDs: tied, withEventIDs: true).events {
                events[userID] = userEvents.sorted { $0.isNewer(than: $1) }
            }
        }
        let items = try CatalogStore(connection: connection).items(ids: Array(Set(events.values.flatMap { $0.map(\.item) })))
        for (userID, userEvents) in events where profiles[userID] != nil {
            var genreWeights = GenreWeights()
            for event in userEvents {
                profiles[userID]!.activity.add(timestamp: event.timestamp)
                genreWeights.add(genres: items[event.item]?.genres ?? [], type: event.type, value: event.value, timestamp: event.timestamp)
            }
            if !genreWeights.isEmpty { profiles[userID]!.genreWeights = genreWeights }
            profiles[userID]!.recentHistory = userEvents.prefix(historyLength)
                .sorted { $0.micros != $1.micros ? $0.micros > $1.micros : $0.item < $1.item }
                .map { event in
                    HistoryEntry(item: items[event.item] ?? Item(id: event.item, title: "Item \(event.item)", year: nil, genres: []),
                                 type: event.type, value: event.value, timestamp: event.timestamp)
                }
        }
        for row in try connection.query(
            "SELECT user_id, weekday, hour, events FROM user_activity_archive WHERE user_id = ANY($1::int[])", [userIDs]) {
            profiles[try row.int("user_id")]?.activity.add(weekday: try row.int("weekday"), hour: try row.int("hour"), events: try row.int("events"))
        }
        for row in try connection.query("""
            SELECT user_id, genre, rated_weight, rating_weight, implicit_weight FROM user_genre_affinity_archive WHERE user_id = ANY($1::int[])
            """, [userIDs]) {
            let userID = try row.int("user_id")
            guard profiles[userID] != nil else { continue }
            var weights = profiles[userID]!.genreWeights ?? GenreWeights()
            let archived = GenreWeights.Sums(rated: try row.double("rated_weight"), rating: try row.double("rating_weight"),
                                             implicit: try row.double("implicit_weight"))
            weights.sums[try row.string("genre"), default: GenreWeights.Sums()].add(archived)
            profiles[userID]!.genreWeights = weights
        }
        return seen
    }

    private struct Event {
        var item: Int
        var type: InteractionType
        var value: Double
        /// Microseconds since 2000-01-01, as stored: the history's order.
        var micros: Int64
        /// Breaks ties of `micros` (byte order, as `COLLATE "C"`); empty when not read.
        var eventID: [UInt8]

        var timestamp: Double { Double(micros) / 1_000_000 + 946_684_800 }

        func isNewer(than other: Event) -> Bool {
            micros != other.micros ? micros > other.micros : other.eventID.lexicographicallyPrecedes(eventID)
        }
    }

    /// Every interaction of the users (events with a known type and a finite time), and every item each touched.
    private func readEvents(userIDs: [Int], withEventIDs: Bool) throws -> (events: [Int: [Event]], seen: [Int: Set<Int>]) {
        let types = InteractionType.allCases
        var events = [Int: [Event]]()
        var seen = [Int: Set<Int>]()
        // COPY takes no parameters: the ids are integers and the type names constants. The newest events are picked
        // by the caller, not by a window function: sorting every event of a claim by user, time and event id was
        // most of the read's time once users had a few hundred events each (and spilled to disk past `work_mem`).
        // The primary key, never a sequential scan: a claim's users have events on most pages, so the planner
        // priced reading them all as cheaper, but the scan then tests every row of the table against the claim
        // (4,000 of 50,000 users, 500,000 rows: 47 ms, against 29 for the key's bitmap scan), and it grows with
        // the table while the claim's rows do not.
        try connection.transaction { tx in
            try tx.execute("SET LOCAL enable_seqscan = off")
            try tx.copyOutBinary("""
                SELECT user_id, item_id, array_position(ARRAY[\(types.map { "'\($0.rawValue)'" }.joined(separator: ","))], type)::int2,
                       value, occurred_at\(withEventIDs ? ", convert_to(event_id, 'UTF8')" : "")
                FROM interactions WHERE user_id = ANY('{\(userIDs.map(String.init).joined(separator: ","))}'::int[])
                """, types: [.int4, .int4, .int2, .float4, .timestamptz] + (withEventIDs ? [.bytea] : [])) { chunk in
                let users = chunk.int32s(0), items = chunk.int32s(1), typeSlots = chunk.int16s(2), values = chunk.floats(3)
                let times = chunk.int64s(4), eventIDs = withEventIDs ? chunk.byteArrays(5) : []
                for row in 0..<chunk.rowCount {
                    seen[Int(users[row]), default: []].insert(Int(items[row]))
                    let slot = Int(typeSlots[row]) - 1
                    guard types.indices.contains(slot), times[row] != .max, times[row] != .min else { continue }
                    events[Int(users[row]), default: []].append(Event(
                        item: Int(items[row]), type: types[slot], value: Double(values[row]), micros: times[row],
                        eventID: withEventIDs ? eventIDs[row] : []))
                }
            }
        }
        return (events, seen)
    }

    /// Stores summaries. A template written without asking an LLM never replaces one an LLM was asked for: that one
    /// stands until the profile changes materially and the reranker asks again.
    public func storeSummaries(_ summaries: [Int: WrittenSummary]) throws {
        guard !summaries.isEmpty else { return }
        // Binary array parameters, as the refresher's lists (`RecommendationListRows`): one row per claimed user on
        // every refresh, and no temporary table to truncate at commit.
        let entries = summaries.sorted { $0.key < $1.key }
        try connection.execute("""
            INSERT INTO profile_summaries AS s (user_id, summary, summary_source, summary_model, event_count, top_genres, with_demographics)
            SELECT n.user_id, n.summary, n.source, n.model, n.event_count, string_to_array(n.genres, E'\\x1f'), n.with_demographics
            FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::boolean[])
                 AS n(user_id, summary, source, model, event_count, genres, with_demographics)
            ORDER BY n.user_id
            ON CONFLICT (user_id) DO UPDATE SET
                summary = excluded.summary, summary_source = excluded.summary_source, summary_model = excluded.summary_model,
                event_count = excluded.event_count, top_genres = excluded.top_genres,
                with_demographics = excluded.with_demographics, written_at = now()
            WHERE excluded.summary_model IS NOT NULL OR s.summary_model IS NULL
            """, [
                PostgresBinaryArray.int4(entries.map { Int32($0.key) }),
                PostgresBinaryArray.text(entries.map(\.value.text)),
                PostgresBinaryArray.text(entries.map(\.value.source.rawValue)),
                PostgresBinaryArray.text(entries.map(\.value.model)),
                PostgresBinaryArray.int8(entries.map { Int64($0.value.basis.eventCount) }),
                PostgresBinaryArray.text(entries.map { $0.value.basis.topGenres.joined(separator: "\u{1F}") }),
                PostgresBinaryArray.bool(entries.map(\.value.withDemographics)),
            ])
    }

    static let summaryColumns = """
        s.summary, s.summary_source, s.summary_model, s.event_count AS summary_event_count, s.top_genres AS summary_genres, \
        s.with_demographics AS summary_demographics
        """

    static func writtenSummary(_ row: PostgresRow) throws -> WrittenSummary? {
        guard let text = row["summary"], let source = row["summary_source"].flatMap(SummarySource.init(rawValue:)) else { return nil }
        return WrittenSummary(
            text: text, source: source, model: row["summary_model"],
            basis: SummaryBasis(eventCount: try row.int("summary_event_count"), topGenres: PostgresTextArray.parse(row["summary_genres"] ?? "{}")),
            withDemographics: try row.bool("summary_demographics"))
    }

    /// Interaction counts per item (for popularity).
    public func itemPopularity() throws -> [Int: Double] {
        let rows = try connection.query("SELECT item_id, interaction_count FROM item_stats")
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.int("item_id"), try $0.double("interaction_count")) })
    }
}
