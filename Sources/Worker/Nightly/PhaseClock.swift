import Foundation
import Synchronization

/// Wall time per phase of a run, for the report and `bench nightly`.
final class PhaseClock: Sendable {
    private let start = ContinuousClock.now
    private let laps: Mutex<(last: ContinuousClock.Instant, phases: [(name: String, seconds: Double)])>

    init() { laps = Mutex((last: start, phases: [])) }

    func lap(_ name: String) {
        laps.withLock { laps in
            let now = ContinuousClock.now
            laps.phases.append((name, (now - laps.last).seconds))
            laps.last = now
        }
    }

    var phases: [(name: String, seconds: Double)] { laps.withLock { $0.phases } }

    var total: Double { (ContinuousClock.now - start).seconds }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

extension ContinuousClock.Instant {
    var secondsSince: Double { (ContinuousClock.now - self).seconds }
}
