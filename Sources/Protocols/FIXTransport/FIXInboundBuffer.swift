import PeregrineFIX

/// Received bytes not yet consumed, cut into frames by `FIXFrameScanner`.
///
/// One owner thread. Allocation: the initial reservation; grows only for a message larger
/// than it. Compacts when the consumed prefix passes half the storage.
struct FIXInboundBuffer {
    var storage: [UInt8] = []
    var start = 0
    let maxFrameLength: Int

    init(capacity: Int = 1 << 16, maxFrameLength: Int = 1 << 20) {
        storage.reserveCapacity(capacity)
        self.maxFrameLength = maxFrameLength
    }

    var isEmpty: Bool { start == storage.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start >= storage.count / 2 {
            storage.removeSubrange(0..<start)
            start = 0
        }
        storage.append(contentsOf: bytes)
    }

    /// Lends the first complete frame to `body` without consuming it (garbage before it is
    /// dropped); returns false when no complete frame is buffered yet.
    mutating func peekFrame(_ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        while start < storage.count {
            var skip = 0
            var found = false
            storage.withUnsafeBytes { all in
                let pending = UnsafeRawBufferPointer(rebasing: all[start...])
                switch FIXFrameScanner.next(pending, maxFrameLength: maxFrameLength) {
                case .incomplete: break
                case .skip(let count): skip = count
                case .frame(let length):
                    found = true
                    body(UnsafeRawBufferPointer(rebasing: pending[0..<length]))
                }
            }
            if found { return true }
            if skip == 0 { return false }
            start += skip
        }
        return false
    }

    /// Calls `body` with each complete frame in order; stops early when `body` returns false.
    mutating func forEachFrame(_ body: (UnsafeRawBufferPointer) -> Bool) {
        while start < storage.count {
            var consumed = 0
            var keepGoing = true
            var stop = false
            storage.withUnsafeBytes { all in
                let pending = UnsafeRawBufferPointer(rebasing: all[start...])
                switch FIXFrameScanner.next(pending, maxFrameLength: maxFrameLength) {
                case .incomplete: stop = true
                case .skip(let count): consumed = count
                case .frame(let length):
                    consumed = length
                    keepGoing = body(UnsafeRawBufferPointer(rebasing: pending[0..<length]))
                }
            }
            if stop { return }
            start += consumed
            if !keepGoing { return }
        }
    }
}
