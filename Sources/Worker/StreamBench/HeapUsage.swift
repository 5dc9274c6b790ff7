import CMalloc

/// What glibc's allocator holds: bytes handed out to the program and bytes freed but kept (mallinfo2). RSS alone
/// cannot tell a leak (in use grows) from freed buffers the allocator keeps (held grows).
struct HeapUsage: Sendable {
    /// Allocated and not freed, in the arenas and in separately mapped large blocks.
    var inUseBytes: Int
    /// Freed inside the arenas and not yet returned to the kernel.
    var heldFreeBytes: Int

    static func current() -> HeapUsage {
        let info = mallinfo2()
        return HeapUsage(inUseBytes: Int(info.uordblks + info.hblkhd), heldFreeBytes: Int(info.fordblks))
    }
}
