import Foundation
import LinearAlgebra
import Pipeline
import TestSupport
import XCTest

/// A seeded property-based fuzz of the real worker against the real broker and database, models on: hostile
/// messages interleaved with valid events over several partitions and users. `RECWORKER_FUZZ_SEED` replays a
/// seed; `RECWORKER_FUZZ_HOSTILE` sets how many hostile messages (default 1,200) for a longer run.
final class StreamFuzzTests: XCTestCase {
    func testNoMessageStopsTheStreamAndEveryValidEventIsAppliedOnce() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["RECWORKER_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let hostileCount = environment["RECWORKER_FUZZ_HOSTILE"].flatMap(Int.init) ?? 1_200
        let replay = "fuzz seed \(seed) (replay: RECWORKER_FUZZ_SEED=\(seed) swift test --filter StreamFuzzTests)"
        print(replay)

        let harness = try StreamTestHarness(topicPrefix: "fuzz")
        defer { harness.tearDown() }
        let items = 150, validUsers = 40
        try harness.database.connect().execute("""
            INSERT INTO items (item_id, title, genres)
            SELECT i, 'Item ' || i, CASE i % 3 WHEN 0 THEN ARRAY['Drama'] WHEN 1 THEN ARRAY['Comedy', 'Romance'] ELSE ARRAY['Action'] END
            FROM generate_series(1, $1) AS i
            """, [items])
        let valid = HostileMessages.validEvents(count: 600, users: validUsers, items: items, seed: seed)
        let hostile = HostileMessages.generate(count: hostileCount, seed: seed &+ 1, firstUser: 10_000, items: items)
        var rng = SeededGenerator(seed: seed &+ 2)
        var messages = valid + hostile
        for index in messages.indices.reversed() where index > 0 {
            messages.swapAt(index, Int(rng.next() % UInt64(index + 1)))
        }
        try harness.publishRaw(messages.map { (key: $0.key, value: $0.value) })
        // Tombstones and headers come through another client (kcat): librdkafka's own null value and headers.
        let headered = HostileMessages.validEvents(count: 5, users: validUsers, items: items, seed: seed &+ 3).enumerated().map { index, message in
            var event = message.valid!
            event.eventID = "k-\(index)"
            return event
        }
        let viaKcat = try produceWithKcat(harness, tombstones: 3, headered: headered)

        let run = try harness.binary.run(harness.streamArguments(idleExit: 3), timeout: .seconds(300))
        XCTAssertEqual(run.status, 0, "\(replay)\n\(run.stderr.suffix(4000))")

        let total = messages.count + viaKcat
        let db = try harness.database.connect()
        let validIDs = Set(valid.map { $0.valid!.eventID } + headered.map(\.eventID))
        let stored = try db.query("SELECT event_id FROM interactions WHERE event_id LIKE 'v-%' OR event_id LIKE 'k-%'").compactMap { $0["event_id"] }
        XCTAssertEqual(Set(stored), validIDs, replay)
        XCTAssertEqual(stored.count, validIDs.count, "valid events applied more than once: \(replay)")
        XCTAssertEqual(try harness.count("""
            SELECT count(*) AS n FROM user_profiles p
            WHERE event_count <> (SELECT count(*) FROM interactions i WHERE i.user_id = p.user_id)
            """), 0, "profile aggregates disagree with the stored events: \(replay)")
        // Each message is one stored event or one dead letter.
        let applied = try harness.count("SELECT count(*) AS n FROM interactions")
        let deadLetters = try harness.count("SELECT count(*) AS n FROM dead_letters")
        XCTAssertEqual(applied + deadLetters, total, replay)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM dead_letters WHERE length(reason) = 0"), 0, replay)
        XCTAssertEqual(try harness.count("""
            SELECT count(*) AS n FROM interactions
            WHERE NOT CASE type WHEN 'rating' THEN value BETWEEN 1 AND 5 WHEN 'watch' THEN value BETWEEN 0 AND 1
                                WHEN 'purchase' THEN value BETWEEN 0 AND 1000000 ELSE value BETWEEN 0 AND 1000 END
               OR occurred_at < '1970-01-01Z' OR occurred_at > now() + interval '1 day' OR event_id ~ '[[:cntrl:]]'
               OR user_id < 1 OR item_id < 1
            """), 0, "an applied event lies outside the contract: \(replay)")
        XCTAssertEqual(try harness.count("""
            SELECT count(*) AS n FROM user_genre_affinity
            WHERE NOT (rated_weight < 'Infinity' AND rating_weight < 'Infinity' AND implicit_weight < 'Infinity')
            """), 0, "non-finite genre weights: \(replay)")
        XCTAssertEqual(try harness.count("SELECT sum(next_offset)::int AS n FROM consumer_offsets"), total, "offsets short of the end: \(replay)")
        let published = try db.query(
            "SELECT count(DISTINCT user_id) AS n FROM current_recommendations WHERE user_id BETWEEN 1 AND $1", [validUsers])[0].int("n")
        XCTAssertEqual(published, validUsers, "valid users without rows: \(replay)")
        XCTAssertFalse(run.stderr.contains("refresh failed"), "\(replay)\n\(run.stderr.suffix(4000))")
    }

    /// Sends `tombstones` null-valued messages and `headered` events with headers; returns how many were sent.
    private func produceWithKcat(_ harness: StreamTestHarness, tombstones: Int, headered: [InteractionEvent]) throws -> Int {
        var lines = (0..<tombstones).map { "\(20_000 + $0)\t" }
        lines += headered.map { "\($0.userID)\t" + String(decoding: EventCodec.encode($0), as: UTF8.self) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        process.arguments = ["-P", "-b", harness.brokers, "-t", harness.topic, "-K", "\t", "-Z",
                             "-H", "source=fuzz", "-H", "trace=\u{1}\u{7f}binary"]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "kcat failed")
        return lines.count
    }
}
