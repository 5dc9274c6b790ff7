import PostgresClient

/// Users whose recommendations are stale. The ingest transaction enqueues them; refreshers claim a lease,
/// publish, then acknowledge, so a refresher that dies mid-way leaves its users to be claimed again.
///
/// Order: the longest-untouched user first (the last touch is the later of the profile's `updated_at`, which every
/// ingest batch stamps, and the entry's `touched_at`, which manual requeues and claims stamp), except that a user
/// who has waited `maxWait` since it was queued goes ahead of everyone still inside the bound, so a user touched
/// all the time is never starved by quieter ones. Leases belong to `owner`: only it extends, acknowledges or
/// releases them, so a refresher whose lease ran out can never release the replica that took the users over.
///
/// An ingest batch only inserts entries for users not queued yet: touching a queued user writes nothing here
/// (it was a sixth of ingest's database time). Whether a user was touched during its refresh is therefore read
/// from the profile: a claim's token is the entry's `touches` plus the profile's `event_count`, and
/// acknowledging removes the entry only if the token is unchanged.
public struct RefreshQueue: Sendable {
    public struct Claim: Sendable, Hashable {
        public let userID: Int
        /// The user's state when claimed: the entry's `touches` (manual requeues) plus the profile's event count.
        /// Acknowledging removes the entry only if unchanged.
        public let touches: Int
        /// Seconds since the epoch when the entry's oldest unhandled touch was queued (for freshness metrics).
        public let enqueuedAt: Double
        /// The claim statement's snapshot: the ingest transactions whose events the claim (and so the refresh) saw.
        public let snapshot: CommitSnapshot?

        public init(userID: Int, touches: Int, enqueuedAt: Double, snapshot: CommitSnapshot? = nil) {
            self.userID = userID
            self.touches = touches
            self.snapshot = snapshot
            self.enqueuedAt = enqueuedAt
        }
    }

    /// What became of a user whose refresh failed on its own.
    public enum FailureOutcome: Sendable, Equatable {
        /// Left queued; it may be claimed again once the retry delay has passed.
        case willRetry(attempts: Int)
        /// Removed from the queue after its last allowed attempt (a later event queues it again).
        case gaveUp(attempts: Int)
    }

    let connection: PostgresConnection
    /// Names this refresher in `claimed_by` (unique per process, e.g. host, pid and a random suffix).
    public let owner: String

    public init(connection: PostgresConnection, owner: String) {
        self.connection = connection
        self.owner = owner
    }

    /// Leases up to `limit` unclaimed users for `lease`: first those waiting beyond `maxWait` (longest first), then
    /// the least recently touched. Concurrent refreshers skip each other's locked rows. The cost follows `limit`
    /// and the entries re-touched since the last claim, not the queue's length (migration 020).
    public func claim(limit: Int, lease: Duration, maxWait: Duration) throws -> [Claim] {
        guard limit > 0 else { return [] }
        return try connection.transaction { tx in
            let overdue = try tx.query("""
                SELECT user_id FROM refresh_queue
                WHERE (claimed_until IS NULL OR claimed_until < now()) AND enqueued_at <= now() - make_interval(secs => $2)
                ORDER BY enqueued_at, user_id LIMIT $1
                FOR UPDATE SKIP LOCKED
                """, [limit, maxWait.postgresSeconds]).map { try $0.int("user_id") }
            var chosen = overdue
            if chosen.count < limit {
                chosen += try leastRecentlyTouched(tx, limit: limit - chosen.count, excluding: Set(overdue))
            }
            return try takeLeases(tx, chosen, for: lease)
        }
    }

    /// Walks the entries in stored-touch order, chunk by chunk, reading each one's true last touch (its
    /// profile's `updated_at` may be later). Every entry not walked yet was touched at or after the frontier (the
    /// last stored touch walked), so walked entries whose true touch is not beyond it are in final order; the walk
    /// goes on until `limit` of them are known. Walked entries that were touched again are restamped, so the next
    /// walk finds them in their true place.
    ///
    /// The walk reads without locking; only the entries taken are locked, in order, skipping those another
    /// refresher is claiming. (Locking every walked entry left a concurrent lane nothing to claim.) When another
    /// lane's open claim holds some of them, the walk goes on past them, so the claim is not cut short while the
    /// queue has users to give. Restamping skips locked entries too, so two claims never wait on each other.
    private func leastRecentlyTouched(_ tx: PostgresConnection, limit: Int, excluding: Set<Int>) throws -> [Int] {
        let chunk = max(64, limit + limit / 2)
        var walked = [WalkedEntry]()
        var after: (touchedAt: String, userID: Int)?
        var frontier = Int64.max
        var walkedToTheEnd = false
        var chosen = [Int]()
        var offered = Set<Int>()
        while chosen.count < limit {
            let wanted = limit - chosen.count
            while !walkedToTheEnd, walked.count(where: { $0.lastTouch <= frontier && !offered.contains($0.userID) }) < wanted {
                let rows = try tx.query("""
                    SELECT q.user_id, q.touched_at::text AS touched_at,
                           (extract(epoch FROM q.touched_at) * 1000000)::bigint AS stored_touch,
                           (extract(epoch FROM greatest(q.touched_at, p.updated_at)) * 1000000)::bigint AS last_touch
                    FROM refresh_queue q LEFT JOIN user_profiles p ON p.user_id = q.user_id
                    WHERE (q.claimed_until IS NULL OR q.claimed_until < now())
                      AND ($2::timestamptz IS NULL OR (q.touched_at, q.user_id) > ($2::timestamptz, $3::int))
                    ORDER BY q.touched_at, q.user_id LIMIT $1
                    """, [chunk, after?.touchedAt, after?.userID])
                for row in rows {
                    let userID = try row.int("user_id")
                    guard !excluding.contains(userID) else { continue }
                    walked.append(WalkedEntry(userID: userID, storedTouch: Int64(try row.int("stored_touch")),
                                              lastTouch: Int64(try row.int("last_touch"))))
                }
                guard rows.count == chunk, let last = rows.last else { frontier = .max; walkedToTheEnd = true; break }
                frontier = Int64(try last.int("stored_touch"))
                after = (try last.string("touched_at"), try last.int("user_id"))
            }
            let inOrder = walked.filter { $0.lastTouch <= frontier && !offered.contains($0.userID) }
                .sorted { ($0.lastTouch, $0.userID) < ($1.lastTouch, $1.userID) }.map(\.userID)
            guard !inOrder.isEmpty else { break }
            chosen += try tx.query("""
                SELECT user_id FROM refresh_queue
                WHERE user_id = ANY($1::int[]) AND (claimed_until IS NULL OR claimed_until < now())
                ORDER BY array_position($1::int[], user_id) LIMIT $2
                FOR UPDATE SKIP LOCKED
                """, [inOrder, wanted]).map { try $0.int("user_id") }
            // Short of `wanted` means every entry offered was taken or held by another claim.
            offered.formUnion(inOrder)
            if walkedToTheEnd { break }
        }
        let chosenSet = Set(chosen)
        let moved = walked.filter { $0.lastTouch > $0.storedTouch && !chosenSet.contains($0.userID) }.map(\.userID)
        if !moved.isEmpty {
            try tx.execute("""
                UPDATE refresh_queue q SET touched_at = p.updated_at FROM user_profiles p
                WHERE p.user_id = q.user_id AND p.updated_at > q.touched_at
                  AND q.user_id IN (SELECT user_id FROM refresh_queue WHERE user_id = ANY($1::int[]) FOR UPDATE SKIP LOCKED)
                """, [moved])
        }
        return chosen
    }

    private struct WalkedEntry {
        let userID: Int
        /// Microseconds since the epoch: the entry's `touched_at`, and the later of it and the profile's `updated_at`.
        let storedTouch: Int64
        let lastTouch: Int64
    }

    /// Takes the lease of `userIDs` (rows this transaction has locked) and reads each claim's token.
    private func takeLeases(_ tx: PostgresConnection, _ userIDs: [Int], for lease: Duration) throws -> [Claim] {
        guard !userIDs.isEmpty else { return [] }
        // Each entry's event count is read through the profiles' key: a join let the planner hash every profile
        // (115 ms of a 4,000-user claim at 50,000 users, against 30 ms now, and growing with the users, not the claim).
        let rows = try tx.query("""
            UPDATE refresh_queue q SET claimed_until = now() + make_interval(secs => $2), claimed_by = $3, claimed_at = now()
            WHERE q.user_id = ANY($1::int[])
            RETURNING q.user_id, q.touches + coalesce((SELECT p.event_count FROM user_profiles p WHERE p.user_id = q.user_id), 0) AS touches,
                      extract(epoch FROM q.enqueued_at) AS enqueued_at, (SELECT pg_current_snapshot()::text) AS snapshot
            """, [userIDs, lease.postgresSeconds, owner])
        // One statement, one snapshot: taken once (the subquery is evaluated once, not per row: 7 ms of a 4,000-user
        // claim as a column) and parsed once.
        let snapshot = rows.first?["snapshot"].flatMap(CommitSnapshot.init)
        return try rows.map {
            Claim(userID: try $0.int("user_id"), touches: try $0.int("touches"), enqueuedAt: try $0.double("enqueued_at"), snapshot: snapshot)
        }.sorted { $0.userID < $1.userID }
    }

    /// Pushes the lease of users this owner still holds `lease` into the future; returns those users (a user
    /// whose lease already ran out and was claimed by another refresher is not among them).
    @discardableResult
    public func extend(_ claims: [Claim], lease: Duration) throws -> Set<Int> {
        guard !claims.isEmpty else { return [] }
        let rows = try connection.query("""
            UPDATE refresh_queue SET claimed_until = now() + make_interval(secs => $3)
            WHERE user_id = ANY($1::int[]) AND claimed_by = $2
            RETURNING user_id
            """, [claims.map(\.userID), owner, lease.postgresSeconds])
        return Set(try rows.map { try $0.int("user_id") })
    }

    /// Removes handled entries this owner still holds and forgets their past failures; an entry touched again
    /// since the claim stays queued as waiting since the claim (its lease is released).
    public func acknowledge(_ claims: [Claim]) throws {
        guard !claims.isEmpty else { return }
        let userIDs = claims.map(\.userID)
        try connection.transaction { tx in
            // Profiles, then entries, each in user-id order, as the ingest transaction takes them (it updates a
            // profile before it queues the user): the two wait for each other instead of deadlocking, and a batch
            // still open for one of these users commits before its event count is compared.
            _ = try tx.query("SELECT 1 FROM user_profiles WHERE user_id = ANY($1::int[]) ORDER BY user_id FOR SHARE", [userIDs])
            _ = try tx.query("SELECT 1 FROM refresh_queue WHERE user_id = ANY($1::int[]) ORDER BY user_id FOR UPDATE", [userIDs])
            try tx.execute("""
                DELETE FROM refresh_queue q USING unnest($1::int[], $2::bigint[]) AS c(user_id, touches)
                WHERE q.user_id = c.user_id AND q.claimed_by = $3
                  AND q.touches + coalesce((SELECT p.event_count FROM user_profiles p WHERE p.user_id = q.user_id), 0) = c.touches
                """, [userIDs, claims.map(\.touches), owner])
            try tx.execute("""
                UPDATE refresh_queue SET enqueued_at = GREATEST(enqueued_at, claimed_at), claimed_until = NULL, claimed_by = NULL, claimed_at = NULL
                WHERE user_id = ANY($1::int[]) AND claimed_by = $2
                """, [userIDs, owner])
            try tx.execute("DELETE FROM refresh_failures WHERE user_id = ANY($1::int[])", [userIDs])
        }
    }

    /// Records that refreshing this user failed (`reason`), and either leaves it queued for another attempt
    /// after `retryAfter` or, at `maxAttempts`, removes it from the queue so the others go on.
    public func recordFailure(_ claim: Claim, reason: String, maxAttempts: Int, retryAfter: Duration) throws -> FailureOutcome {
        try connection.transaction { tx in
            let attempts = try tx.query("""
                INSERT INTO refresh_failures AS f (user_id, attempts, last_error) VALUES ($1, 1, $2)
                ON CONFLICT (user_id) DO UPDATE SET attempts = f.attempts + 1, last_error = EXCLUDED.last_error,
                    last_failed_at = now(), gave_up_at = NULL
                RETURNING attempts
                """, [claim.userID, String(reason.prefix(1000))])[0].int("attempts")
            if attempts >= maxAttempts {
                try tx.execute("DELETE FROM refresh_queue WHERE user_id = $1 AND claimed_by = $2", [claim.userID, owner])
                try tx.execute("UPDATE refresh_failures SET gave_up_at = now() WHERE user_id = $1", [claim.userID])
                return .gaveUp(attempts: attempts)
            }
            // Keeping the lease until the retry time holds the user back without another column; nobody owns it.
            try tx.execute("""
                UPDATE refresh_queue SET claimed_until = now() + make_interval(secs => $3), claimed_by = NULL, claimed_at = NULL
                WHERE user_id = $1 AND claimed_by = $2
                """, [claim.userID, owner, retryAfter.postgresSeconds])
            return .willRetry(attempts: attempts)
        }
    }

    public func pendingCount() throws -> Int {
        try connection.query("SELECT count(*) AS n FROM refresh_queue")[0].int("n")
    }
}

extension Duration {
    /// Whole and fractional seconds, for `make_interval(secs => …)`.
    var postgresSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
