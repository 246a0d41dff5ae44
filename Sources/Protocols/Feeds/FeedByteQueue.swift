/// A fixed-capacity byte FIFO in one preallocated block: the receive buffer of a feed session
/// (bytes waiting to be framed) and the TWS outbound queue (whole frames waiting for the pacer).
///
/// Bytes are appended at `tail` and consumed from `head`; when the free space at the end is
/// too small the live bytes move to the front (one `memmove`, only when needed), so readers
/// always see one contiguous region. One owner thread; no call allocates after `init`.
final class FeedByteQueue {
    // SAFETY: `base` is owned by this object (allocated in init, freed in deinit) and only the
    // owning session's thread touches it.
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private(set) var head = 0
    private(set) var tail = 0

    /// Allocates `capacity` bytes (set-up).
    init(capacity: Int) {
        precondition(capacity >= 64, "feed byte queue too small")
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }

    deinit { base.deallocate() }

    /// Bytes waiting.
    var count: Int { tail - head }
    var isEmpty: Bool { tail == head }

    /// The waiting bytes; valid until the next append, consume or removeAll.
    var readable: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + head, count: tail - head) }

    /// Drops `n` bytes from the front.
    func consume(_ n: Int) {
        precondition(n >= 0 && n <= tail - head, "consume past the end of the feed byte queue")
        head += n
        if head == tail { head = 0; tail = 0 }
    }

    /// Empties the queue.
    func removeAll() { head = 0; tail = 0 }

    /// Free bytes once compacted.
    var freeCapacity: Int { capacity - (tail - head) }

    /// Makes room for `n` contiguous bytes at the end (compacting if needed); `false` if the
    /// queue cannot hold them.
    func reserve(_ n: Int) -> Bool {
        if capacity - tail >= n { return true }
        guard capacity - (tail - head) >= n else { return false }
        let live = tail - head
        if live > 0 { (base).copyMemory(from: base + head, byteCount: live) }
        head = 0
        tail = live
        return true
    }

    /// Appends as many of `bytes` as fit (compacting first); returns how many were taken.
    func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count > 0 else { return 0 }
        let n = min(bytes.count, freeCapacity)
        guard n > 0, reserve(n) else { return 0 }
        (base + tail).copyMemory(from: bytes.baseAddress!, byteCount: n)
        tail += n
        return n
    }

    /// The free region at the end after `reserve` (write, then `commit`).
    var writable: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base + tail, count: capacity - tail) }

    /// Marks `n` bytes written into `writable` as queued.
    func commit(_ n: Int) {
        precondition(n >= 0 && n <= capacity - tail, "commit past the end of the feed byte queue")
        tail += n
    }
}
