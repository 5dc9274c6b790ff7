import Foundation
import Pipeline
import PostgresClient
import Storage

/// Replays stored dead letters: decode again with today's contract, apply through `IngestStore` (the same
/// dedupe and isolation as the stream), and record the outcome on each row.
struct DeadLetterReplay {
    let connection: PostgresConnection
    let contract: EventContract

    struct Report: Equatable {
        var applied = 0
        var alreadyApplied = 0
        var stillRefused = 0
    }

    func replay(_ entries: [DeadLetterStore.Entry]) throws -> Report {
        var report = Report()
        for chunk in stride(from: 0, to: entries.count, by: 500).map({ entries[$0..<min($0 + 500, entries.count)] }) {
            try replay(Array(chunk), into: &report)
        }
        return report
    }

    private func replay(_ entries: [DeadLetterStore.Entry], into report: inout Report) throws {
        var events = [InteractionEvent]()
        var origins = [MessageOrigin]()
        var decodedIDs = [Int]()
        var refusals = [(id: Int, reason: String)]()
        for entry in entries {
            guard !entry.isTruncated else {
                refusals.append((entry.id, "payload was stored truncated (\(entry.payload.count) of \(entry.payloadBytes) bytes); replay it from the source"))
                continue
            }
            switch EventCodec.decode(entry.payload, contract: contract) {
            case .success(let event):
                events.append(event)
                origins.append(MessageOrigin(topic: entry.topic, partition: Int32(entry.partition), offset: Int64(entry.offset),
                                             key: entry.key, payload: entry.payload))
                decodedIDs.append(entry.id)
            case .failure(let rejection):
                refusals.append((entry.id, rejection.reason))
            }
        }
        // The events go through the stream's own transaction (dedupe, isolation); the bookkeeping follows in a
        // second one. Killed in between, a second replay finds the events applied and only marks the rows.
        var refusedByDatabase = [Int: DeadLetter]()
        if !events.isEmpty {
            // No offsets move: the batch carries none. Refused events come back as isolated dead letters, which the
            // table already holds (same topic, partition, offset), so only their reason changes below.
            let outcome = try IngestStore(connection: connection).apply(IngestBatch(
                groupID: "replay", events: events, origins: origins, deadLetters: [], progress: []))
            for letter in outcome.isolated {
                if let index = origins.firstIndex(where: { $0.topic == letter.topic && $0.partition == letter.partition && $0.offset == letter.offset }) {
                    refusedByDatabase[decodedIDs[index]] = letter
                }
            }
            report.applied += outcome.inserted
            report.alreadyApplied += events.count - refusedByDatabase.count - outcome.inserted
        }
        try connection.transaction { tx in
            let store = DeadLetterStore(connection: tx)
            for id in decodedIDs {
                if let letter = refusedByDatabase[id] {
                    try store.recordReplay(id: id, resolved: false, reason: letter.reason, sqlState: letter.sqlState)
                    report.stillRefused += 1
                } else {
                    try store.recordReplay(id: id, resolved: true, reason: nil, sqlState: nil)
                }
            }
            for refusal in refusals {
                try store.recordReplay(id: refusal.id, resolved: false, reason: refusal.reason, sqlState: nil)
                report.stillRefused += 1
            }
        }
    }
}
