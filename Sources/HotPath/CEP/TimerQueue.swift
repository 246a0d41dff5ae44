/// One timer per partition in an indexed binary min-heap, fired by watermark advance.
///
/// `schedule` inserts or moves a partition's timer, `cancel` removes it, `popDue` yields
/// partitions whose fire time is ≤ the watermark, earliest first (ties by partition, so
/// firing order is deterministic). Arrays are sized to the partition count in `init`, so a
/// timer can always be armed and nothing allocates afterwards. O(log partitions) per
/// change, O(1) to see that nothing is due. Single thread.
public struct TimerQueue {
    @usableFromInline var heap: [Int32]
    @usableFromInline var fireAt: [Int64]
    /// Position of each partition in `heap`, or −1 when it has no timer.
    @usableFromInline var position: [Int32]
    @usableFromInline var heapCount: Int

    /// A queue for `partitions` partitions. Allocates once.
    public init(partitions: Int) {
        precondition(partitions > 0 && partitions < Int(Int32.max), "TimerQueue partitions")
        heap = Array(repeating: 0, count: partitions)
        fireAt = Array(repeating: 0, count: partitions)
        position = Array(repeating: -1, count: partitions)
        heapCount = 0
    }

    /// Timers armed.
    @inlinable public var count: Int { heapCount }

    /// Whether `partition` has a timer.
    @inlinable public func isScheduled(_ partition: Int) -> Bool { position[partition] >= 0 }

    /// The fire time of `partition`'s timer (meaningful when scheduled).
    @inlinable public func fireTime(_ partition: Int) -> Int64 { fireAt[partition] }

    /// The earliest fire time, or nil.
    @inlinable public var earliest: Int64? { heapCount == 0 ? nil : fireAt[Int(heap[0])] }

    @inlinable func less(_ a: Int32, _ b: Int32) -> Bool {
        let fa = fireAt[Int(a)], fb = fireAt[Int(b)]
        return fa < fb || (fa == fb && a < b)
    }

    @inlinable mutating func place(_ p: Int32, at i: Int) { heap[i] = p; position[Int(p)] = Int32(i) }

    @inlinable mutating func siftUp(_ start: Int) {
        var i = start
        let p = heap[i]
        while i > 0 {
            let parent = (i - 1) >> 1
            if !less(p, heap[parent]) { break }
            place(heap[parent], at: i)
            i = parent
        }
        place(p, at: i)
    }

    @inlinable mutating func siftDown(_ start: Int) {
        var i = start
        let p = heap[i]
        while true {
            let l = 2 * i + 1
            if l >= heapCount { break }
            var c = l
            if l + 1 < heapCount && less(heap[l + 1], heap[l]) { c = l + 1 }
            if !less(heap[c], p) { break }
            place(heap[c], at: i)
            i = c
        }
        place(p, at: i)
    }

    /// Arms (or moves) `partition`'s timer to fire once the watermark reaches `time`.
    @inlinable
    public mutating func schedule(_ partition: Int, at time: Int64) {
        let pos = Int(position[partition])
        fireAt[partition] = time
        if pos < 0 {
            place(Int32(partition), at: heapCount)
            heapCount += 1
            siftUp(heapCount - 1)
        } else {
            siftUp(pos)
            siftDown(Int(position[partition]))
        }
    }

    /// Disarms `partition`'s timer (no-op when none).
    @inlinable
    public mutating func cancel(_ partition: Int) {
        let pos = Int(position[partition])
        guard pos >= 0 else { return }
        position[partition] = -1
        heapCount -= 1
        if pos == heapCount { return }
        let moved = heap[heapCount]
        place(moved, at: pos)
        siftUp(pos)
        siftDown(Int(position[Int(moved)]))
    }

    /// Removes and returns the earliest partition whose fire time ≤ `watermark`, or nil.
    @inlinable
    public mutating func popDue(through watermark: Int64) -> Int? {
        guard heapCount > 0 else { return nil }
        let p = Int(heap[0])
        guard fireAt[p] <= watermark else { return nil }
        cancel(p)
        return p
    }
}
