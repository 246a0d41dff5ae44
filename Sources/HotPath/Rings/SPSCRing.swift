import Synchronization
import PeregrinePlatform

/// A bounded single-producer single-consumer ring of trivially copyable events.
///
/// Lamport's ring with the two refinements of rigtorp/SPSCQueue and the Disruptor: each
/// side keeps a private cached copy of the other side's index and reloads it only when the
/// ring looks full (producer) or empty (consumer), and the producer index, consumer index
/// and both caches sit on separate 128-byte blocks so the sides never false-share.
///
/// Memory: one `NodeLocalMemory` region allocated at construction (on the NUMA node asked
/// for), never resized. Threading: exactly one producer thread calls the `publish` family
/// and exactly one consumer thread the `consume` family; any thread may read `count`.
/// Every operation is O(1) per element, wait-free in its `try` form, and does not allocate.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    // SAFETY: the producer writes `head`, its cache and the slots it owns; the consumer
    // writes `tail` and its cache. Ownership of a slot passes by the release store of an
    // index and the matching acquire load on the other side.

    /// Slots (power of two).
    public let capacity: Int
    @usableFromInline let mask: Int
    @usableFromInline let head: UnsafeMutablePointer<Atomic<Int>>       // next slot to write (producer)
    @usableFromInline let cachedTail: UnsafeMutablePointer<Int>          // producer's copy of tail
    @usableFromInline let tail: UnsafeMutablePointer<Atomic<Int>>       // next slot to read (consumer)
    @usableFromInline let cachedHead: UnsafeMutablePointer<Int>          // consumer's copy of head
    @usableFromInline let slots: UnsafeMutablePointer<Element>
    private let memory: NodeLocalMemory

    /// Creates a ring of `capacity` slots (a power of two) in memory on `numaNode`.
    /// Set-up only: allocates and faults in the whole ring.
    public init(capacity: Int, numaNode: Int = -1) throws(SystemError) {
        RingLayout.validate(capacity: capacity)
        let spacing = RingLayout.indexSpacing
        let bytes = 2 * spacing + RingLayout.slotBytes(count: capacity, stride: MemoryLayout<Element>.stride)
        memory = try NodeLocalMemory(length: bytes, node: numaNode)
        let base = memory.base
        head = base.bindMemory(to: Atomic<Int>.self, capacity: 1)
        head.initialize(to: Atomic(0))
        cachedTail = (base + 8).bindMemory(to: Int.self, capacity: 1)
        cachedTail.initialize(to: 0)
        tail = (base + spacing).bindMemory(to: Atomic<Int>.self, capacity: 1)
        tail.initialize(to: Atomic(0))
        cachedHead = (base + spacing + 8).bindMemory(to: Int.self, capacity: 1)
        cachedHead.initialize(to: 0)
        slots = (base + 2 * spacing).bindMemory(to: Element.self, capacity: capacity)
        self.capacity = capacity
        mask = capacity - 1
    }

    deinit {
        head.deinitialize(count: 1)
        tail.deinitialize(count: 1)
    }

    // MARK: Producer side (one thread)

    /// Writes one event if there is room. Producer thread only; wait-free, no allocation.
    @inlinable @inline(__always)
    public func tryPublish(_ element: Element) -> PublishResult {
        // relaxed: only this thread writes head.
        let h = head.pointee.load(ordering: .relaxed)
        if h &- cachedTail.pointee == capacity {
            // acquiring: the consumer's release store of tail means it finished reading
            // the slots we are about to overwrite.
            cachedTail.pointee = tail.pointee.load(ordering: .acquiring)
            if h &- cachedTail.pointee == capacity { return .full }
        }
        (slots + (h & mask)).initialize(to: element)
        // releasing: the slot write above becomes visible before the new head.
        head.pointee.store(h &+ 1, ordering: .releasing)
        return .published
    }

    /// Writes as many of `elements` as fit with one index store; returns how many.
    /// Producer thread only; wait-free, no allocation.
    @inlinable
    public func tryPublish(contentsOf elements: UnsafeBufferPointer<Element>) -> Int {
        let h = head.pointee.load(ordering: .relaxed)
        var free = capacity &- (h &- cachedTail.pointee)
        if free < elements.count {
            cachedTail.pointee = tail.pointee.load(ordering: .acquiring)
            free = capacity &- (h &- cachedTail.pointee)
        }
        let n = min(free, elements.count)
        if n == 0 { return 0 }
        for i in 0..<n { (slots + ((h &+ i) & mask)).initialize(to: elements[i]) }
        head.pointee.store(h &+ n, ordering: .releasing)
        return n
    }

    /// Claims the next slot for in-place writing (zero copy), or `nil` if full. Write the
    /// slot, then call `commitClaimed()`. Producer thread only.
    @inlinable
    public func tryClaim() -> UnsafeMutablePointer<Element>? {
        let h = head.pointee.load(ordering: .relaxed)
        if h &- cachedTail.pointee == capacity {
            cachedTail.pointee = tail.pointee.load(ordering: .acquiring)
            if h &- cachedTail.pointee == capacity { return nil }
        }
        return slots + (h & mask)
    }

    /// Publishes the slot returned by the last `tryClaim()`.
    @inlinable
    public func commitClaimed() {
        let h = head.pointee.load(ordering: .relaxed)
        head.pointee.store(h &+ 1, ordering: .releasing)
    }

    /// Writes one event, idling while the ring is full. Producer thread only; blocks as
    /// long as the consumer does not drain (with a parking strategy) or spins.
    @inlinable
    public func publish<Idle: IdleStrategy>(_ element: Element, idle: inout Idle) {
        while tryPublish(element) == .full { idle.idle() }
        idle.reset()
    }

    // MARK: Consumer side (one thread)

    /// Reads one event, or `nil` if empty. Consumer thread only; wait-free, no allocation.
    @inlinable @inline(__always)
    public func tryConsume() -> Element? {
        let t = tail.pointee.load(ordering: .relaxed)
        if t == cachedHead.pointee {
            // acquiring: pairs with the producer's releasing store; slot contents visible.
            cachedHead.pointee = head.pointee.load(ordering: .acquiring)
            if t == cachedHead.pointee { return nil }
        }
        let element = (slots + (t & mask)).pointee
        // releasing: our read of the slot completes before the producer may reuse it.
        tail.pointee.store(t &+ 1, ordering: .releasing)
        return element
    }

    /// Hands up to `limit` available events to `handler` in order, then frees their slots
    /// with one index store; returns how many. Consumer thread only; no allocation.
    @inlinable
    public func consume<E: Error>(limit: Int = .max, _ handler: (Element) throws(E) -> Void) throws(E) -> Int {
        let t = tail.pointee.load(ordering: .relaxed)
        var available = cachedHead.pointee &- t
        if available < limit {
            // One acquire load per batch (not per event) picks up everything published so far.
            cachedHead.pointee = head.pointee.load(ordering: .acquiring)
            available = cachedHead.pointee &- t
            if available == 0 { return 0 }
        }
        let n = min(available, limit)
        var done = 0
        defer { if done > 0 { tail.pointee.store(t &+ done, ordering: .releasing) } }
        while done < n {
            try handler((slots + ((t &+ done) & mask)).pointee)
            done += 1
        }
        return n
    }

    /// Reads one event, idling while the ring is empty. Consumer thread only.
    @inlinable
    public func consume<Idle: IdleStrategy>(idle: inout Idle) -> Element {
        while true {
            if let e = tryConsume() { idle.reset(); return e }
            idle.idle()
        }
    }

    // MARK: Any thread

    /// Events published and not yet consumed (a snapshot; exact only when both sides rest).
    public var count: Int {
        let t = tail.pointee.load(ordering: .acquiring)
        let h = head.pointee.load(ordering: .acquiring)
        return h &- t
    }

    /// Total events ever published.
    public var publishedCount: Int { head.pointee.load(ordering: .acquiring) }
}
