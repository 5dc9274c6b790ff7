import Foundation

/// The process's peak resident set size, as the kernel accounts it (`VmHWM`).
enum PeakMemory {
    static var residentMiB: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return -1 }
        return kib / 1024
    }
}
