import Dispatch
import Foundation

/// Data-parallel loops over both cores for per-user work (solves, selections), without data races:
/// each index writes only its own output slot.
public enum Parallel {
    /// How many chunks to split work into: a few per core so uneven users balance out.
    public static var defaultChunks: Int { max(1, ProcessInfo.processInfo.activeProcessorCount * 4) }

    /// `[transform(0), …, transform(count-1)]` computed concurrently.
    public static func map<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let output = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
        defer { output.deallocate() }
        let slots = SendablePointer(output.baseAddress!)
        let chunks = min(count, defaultChunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = chunkRange(chunk, of: chunks, count: count)
            for index in range { (slots.pointer + index).initialize(to: transform(index)) }
        }
        let result = Array(output)
        output.baseAddress!.deinitialize(count: count)
        return result
    }

    /// Runs `body(range)` for contiguous ranges covering `0..<count`, concurrently.
    public static func forEachChunk(_ count: Int, chunks: Int = defaultChunks, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunkCount = min(count, chunks)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            body(chunkRange(chunk, of: chunkCount, count: count))
        }
    }

    static func chunkRange(_ chunk: Int, of chunks: Int, count: Int) -> Range<Int> {
        (chunk * count / chunks) ..< ((chunk + 1) * count / chunks)
    }
}

/// A pointer that concurrent loops may share because each iteration touches disjoint elements.
public struct SendablePointer<T>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<T>
    public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
