import Foundation

/// Wall time per phase of a run, for the report and `bench nightly`.
final class PhaseClock: @unchecked Sendable {
    private let lock = NSLock()
    private let start = ContinuousClock.now
    private var last = ContinuousClock.now
    private(set) var phases: [(name: String, seconds: Double)] = []

    func lap(_ name: String) {
        lock.withLock {
            let now = ContinuousClock.now
            phases.append((name, (now - last).seconds))
            last = now
        }
    }

    var total: Double { lock.withLock { (ContinuousClock.now - start).seconds } }
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
