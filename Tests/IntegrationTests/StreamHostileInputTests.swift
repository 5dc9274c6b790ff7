import Foundation
import Pipeline
import PostgresClient
import TestSupport
import XCTest

/// No message can stop the stream: each reported poison pill, an event only the database refuses, and a message
/// that kills the worker every time all end up dead-lettered while every other event is applied once.
final class StreamHostileInputTests: XCTestCase {
    private let validCount = 200

    private func seedCatalog(_ harness: StreamTestHarness, items: Int = 200) throws {
        try harness.database.connect().execute("""
            INSERT INTO items (item_id, title, genres)
            SELECT i, 'Item ' || i, CASE i % 3 WHEN 0 THEN ARRAY['Drama'] WHEN 1 THEN ARRAY['Comedy', 'Romance'] ELSE ARRAY['Action'] END
            FROM generate_series(1, $1) AS i
            """, [items])
    }

    /// The valid events' users all have published rows, and nothing kept failing in the refresher.
    private func assertPublished(_ harness: StreamTestHarness, users: Set<Int>, stderr: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let published = try harness.database.connect().query(
            "SELECT count(DISTINCT user_id) AS n FROM current_recommendations WHERE user_id = ANY($1::int[])", [Array(users)])[0].int("n")
        XCTAssertEqual(published, users.count, "valid users without published rows", file: file, line: line)
        XCTAssertFalse(stderr.contains("refresh failed"), stderr, file: file, line: line)
    }

    func testEveryReportedPoisonPillIsDeadLetteredWhileTheRestIsApplied() throws {
        let pills: [(name: String, key: String, payload: String)] = [
            ("value 1e39", "7", #"{"event_id":"p1","user_id":7,"item_id":3,"type":"view","value":1e39,"ts":1700000000}"#),
            ("ts year 2286", "7", #"{"event_id":"p2","user_id":7,"item_id":3,"type":"view","ts":10000000000}"#),
            ("ts 9e15", "7", #"{"event_id":"p3","user_id":7,"item_id":3,"type":"view","ts":9000000000000000}"#),
            ("ts 1e300", "7", #"{"event_id":"p4","user_id":7,"item_id":3,"type":"view","ts":1e300}"#),
            ("NUL in event_id", "7", #"{"event_id":"h6\u0000x","user_id":7,"item_id":3,"type":"view","ts":1700000000}"#),
            ("truncated, key 99999999999", "99999999999", #"{"event_id":"p6","user_id":7,"item_"#),
            ("NUL, quote, backslash in type", "7", #"{"event_id":"p7","user_id":7,"item_id":3,"type":"bogus\u0000\"\\","ts":1700000000}"#),
            ("purchase 3.4e38", "7", #"{"event_id":"p8","user_id":7,"item_id":3,"type":"purchase","value":3.4e38,"ts":1700000000}"#),
        ]
        for pill in pills {
            let harness = try StreamTestHarness(topicPrefix: "pill")
            defer { harness.tearDown() }
            try seedCatalog(harness)
            let valid = TestEvents.ratings(count: validCount)
            var payloads = valid.map { (key: String($0.userID), value: EventCodec.encode($0)) }
            payloads.insert((key: pill.key, value: Array(pill.payload.utf8)), at: validCount / 2)
            try harness.publish(payloads)

            let run = try harness.binary.run(harness.streamArguments(idleExit: 2))
            XCTAssertEqual(run.status, 0, "\(pill.name): \(run.stderr)")
            XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions"), validCount, pill.name)
            let reasons = try harness.database.connect().query("SELECT reason FROM dead_letters").compactMap { $0["reason"] }
            XCTAssertEqual(reasons.count, 1, "\(pill.name): \(reasons)")
            XCTAssertEqual(try harness.count("SELECT sum(next_offset)::int AS n FROM consumer_offsets"), payloads.count, pill.name)
            try assertPublished(harness, users: Set(valid.map(\.userID)), stderr: run.stderr)
        }
    }

    func testAnEventOnlyTheDatabaseRefusesIsIsolatedAndDeadLetteredWithItsSQLState() throws {
        let harness = try StreamTestHarness(topicPrefix: "refused")
        defer { harness.tearDown() }
        try seedCatalog(harness)
        // A rule the codec does not know: stands for any data exception or constraint the schema may add.
        try harness.database.connect().execute("ALTER TABLE interactions ADD CONSTRAINT no_forbidden CHECK (event_id NOT LIKE 'forbidden%')")
        let valid = TestEvents.ratings(count: validCount)
        let refused = (0..<3).map { InteractionEvent(eventID: "forbidden-\($0)", userID: 3, itemID: 4, type: .view, value: 1, timestamp: 1_700_000_000) }
        var events = valid
        for (index, event) in refused.enumerated() { events.insert(event, at: 30 + index * 60) }
        try harness.publish(events)

        let run = try harness.binary.run(harness.streamArguments(idleExit: 2, extra: ["--metrics-port", "0"]))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions"), validCount)
        XCTAssertEqual(try harness.count("SELECT sum(event_count)::int AS n FROM user_profiles"), validCount, "aggregates count each event once")
        let letters = try harness.database.connect().query("SELECT reason, sqlstate FROM dead_letters")
        XCTAssertEqual(letters.count, refused.count)
        for letter in letters {
            XCTAssertEqual(letter["sqlstate"], "23514")
            XCTAssertTrue((letter["reason"] ?? "").contains("no_forbidden"), letter["reason"] ?? "")
        }
        XCTAssertTrue(run.stderr.contains("dead-lettered"), "the isolation is logged: \(run.stderr)")
        try assertPublished(harness, users: Set(valid.map(\.userID)), stderr: run.stderr)
    }

    func testAMessageThatKillsTheWorkerEveryTimeIsDeadLetteredAfterMaxAttempts() throws {
        let harness = try StreamTestHarness(topicPrefix: "crashloop")
        defer { harness.tearDown() }
        let admin = try harness.database.connect()
        // The worker hangs on this one event until it is killed, as it would on a message that crashes it.
        try admin.executeScript("""
            CREATE FUNCTION stall_on_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.event_id = 'stall' THEN PERFORM pg_sleep(600); END IF; RETURN NEW; END $$;
            CREATE TRIGGER stall BEFORE INSERT ON interactions FOR EACH ROW EXECUTE FUNCTION stall_on_poison();
            """)
        var events = TestEvents.ratings(count: 60)
        events.insert(InteractionEvent(eventID: "stall", userID: 1, itemID: 1, type: .view, value: 1, timestamp: 1_700_000_000), at: 20)
        // One key: one partition, so "the same offset" is the stall message's.
        try harness.publish(events.map { (key: "1", value: EventCodec.encode($0)) })

        var kills = 0
        var finished: RecworkerBinary.Output?
        while finished == nil, kills < 8 {
            let worker = try harness.binary.start(harness.streamArguments(idleExit: 2, extra: ["--max-attempts", "3"]))
            let deadline = ContinuousClock.now + .seconds(60)
            while worker.process.isRunning, ContinuousClock.now < deadline {
                let stalled = try admin.query(
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'PgSleep'", [harness.database.name])[0].int("n")
                if stalled > 0 { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            if worker.process.isRunning {
                worker.kill()
                kills += 1
                // The killed worker's backend would sleep on, holding its row locks.
                try admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                                  [harness.database.name])
            } else {
                finished = worker.finish()
            }
        }
        let output = try XCTUnwrap(finished, "the worker never got past the message (\(kills) kills)")
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertGreaterThanOrEqual(kills, 3)
        let letters = try admin.query("SELECT reason FROM dead_letters")
        XCTAssertEqual(letters.count, 1)
        XCTAssertTrue((letters.first?["reason"] ?? "").hasPrefix("gave up after 3 attempts"), letters.first?["reason"] ?? "none")
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions"), events.count - 1)
        XCTAssertEqual(try harness.count("SELECT sum(event_count)::int AS n FROM user_profiles"), events.count - 1)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM ingest_attempts"), 0)
        XCTAssertEqual(try harness.count("SELECT sum(next_offset)::int AS n FROM consumer_offsets"), events.count)
    }

    func testRowsWrittenBehindTheCodecsBackCannotPoisonTheModels() throws {
        let harness = try StreamTestHarness(topicPrefix: "poisonedrows")
        defer { harness.tearDown() }
        try seedCatalog(harness)
        // Rows no contract checked (written by hand, or before the contract bounded `value`): NaN and 3.4e38.
        try harness.database.connect().execute("""
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at)
            SELECT u, 'legacy-' || u || '-' || i, i, 'purchase', CASE WHEN i % 2 = 0 THEN 'NaN'::real ELSE 3.4e38 END, now()
            FROM generate_series(1, 30) u, generate_series(1, 12) i
            """)
        let valid = TestEvents.ratings(count: validCount)
        try harness.publish(valid)
        let run = try harness.binary.run(harness.streamArguments(idleExit: 2))
        XCTAssertEqual(run.status, 0, run.stderr)
        // Model inputs are weighted into a finite range (EventWeights), so the fit itself succeeds.
        XCTAssertFalse(run.stderr.contains("model fit failed"), run.stderr)
        try assertPublished(harness, users: Set(valid.map(\.userID)), stderr: run.stderr)
    }

    func testDeadLettersCanBeListedShownAndReplayedIdempotently() throws {
        let harness = try StreamTestHarness(topicPrefix: "replay")
        defer { harness.tearDown() }
        let now = Int(Date().timeIntervalSince1970)
        let tooEarly = InteractionEvent(eventID: "future", userID: 11, itemID: 5, type: .rating, value: 4, timestamp: Double(now + 3 * 86_400))
        let broken = #"{"event_id":"b","user_id":11,"item_id":5,"type":"rating","value":9,"ts":1700000000}"#
        try harness.publishRaw([
            (key: Array("11".utf8), value: EventCodec.encode(tooEarly)),
            (key: Array("11".utf8), value: Array(broken.utf8)),
        ] + TestEvents.ratings(count: 20).map { (key: Array(String($0.userID).utf8), value: EventCodec.encode($0)) })
        let run = try harness.binary.run(harness.streamArguments(idleExit: 2))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM dead_letters"), 2)

        let database = ["--database-url", harness.database.url]
        let list = try harness.binary.run(["dead-letters", "list", "--reason", "field 'ts'"] + database)
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(list.stdout.split(separator: "\n").count, 1, list.stdout)
        let show = try harness.binary.run(["dead-letters", "show"] + database)
        XCTAssertTrue(show.stdout.contains(#""event_id":"future""#), show.stdout)

        // Widen the window: the future event is applied; the bad rating stays with its reason.
        let widen = ["--event-max-future-seconds", "604800"]
        let replay = try harness.binary.run(["dead-letters", "replay"] + widen + database)
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertTrue(replay.stdout.contains("1 applied, 0 already applied, 1 still refused"), replay.stdout)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions WHERE event_id = 'future'"), 1)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM dead_letters WHERE resolved"), 1)
        let kept = try harness.database.connect().query("SELECT reason, replay_count FROM dead_letters WHERE NOT resolved")
        XCTAssertTrue((kept.first?["reason"] ?? "").contains("outside 1...5"))
        XCTAssertEqual(kept.first?.optionalInt("replay_count"), 1)

        // Again, including the applied one: nothing counts twice.
        let eventsBefore = try harness.count("SELECT sum(event_count)::int AS n FROM user_profiles")
        let again = try harness.binary.run(["dead-letters", "replay", "--all"] + widen + database)
        XCTAssertTrue(again.stdout.contains("0 applied, 1 already applied, 1 still refused"), again.stdout)
        XCTAssertEqual(try harness.count("SELECT sum(event_count)::int AS n FROM user_profiles"), eventsBefore)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions WHERE event_id = 'future'"), 1)
    }
}
