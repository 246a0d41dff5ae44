import Synchronization
import PeregrinePlatform

/// A bounded one-producer, many-consumer ring where every consumer sees every event
/// (the LMAX Disruptor's ring buffer with sequence barriers).
///
/// The producer may overwrite a slot only after every consumer has passed it (gating), so
/// a slow consumer applies back-pressure rather than losing events. A consumer may also be
/// gated on another consumer (`after:`): the journal can follow the engine, or run beside
/// it reading the same slots without copying. Indices are counts (event *n* lives in slot
/// *n mod capacity*); the producer's cursor and each consumer's sequence sit 128 bytes
/// apart.
///
/// Threading: one producer thread calls `tryPublish`/`publish`; each `BroadcastConsumer`
/// is used by exactly one thread. No operation allocates or locks; the `try` forms are
/// wait-free. Memory: one NUMA-local region allocated at construction.
public final class BroadcastRing<Element: BitwiseCopyable>: @unchecked Sendable {
    // SAFETY: slots are written only by the producer, and only when every gating
    // sequence is past them (acquire loads); consumers read slots below the cursor
    // (acquire load pairing with the producer's release store).

    /// Slots (power of two).
    public let capacity: Int
    /// Number of consumers fixed at construction.
    public let consumerCount: Int
    @usableFromInline let mask: Int
    @usableFromInline let cursor: UnsafeMutablePointer<Atomic<Int>>       // events published
    @usableFromInline let producerCache: UnsafeMutablePointer<Int>         // min consumer sequence seen
    @usableFromInline let sequences: UnsafeMutableRawPointer               // consumer i at i * spacing
    @usableFromInline let slots: UnsafeMutablePointer<Element>
    /// Per consumer: index of the consumer it follows, or −1 (follows the producer).
    @usableFromInline let upstream: [Int]
    /// Consumers the producer must wait for: those nobody follows (the ends of chains).
    @usableFromInline let gatingConsumers: [Int]
    private let memory: NodeLocalMemory
    private let handedOut: Atomic<Int>

    /// Creates a ring with `consumers` consumers. `dependencies[i] = j` makes consumer *i*
    /// read only what consumer *j* has finished (a pipeline); omit for independent readers.
    /// Set-up only: allocates.
    public init(capacity: Int, consumers: Int, dependencies: [Int: Int] = [:], numaNode: Int = -1) throws(SystemError) {
        RingLayout.validate(capacity: capacity)
        precondition(consumers >= 1, "a broadcast ring needs at least one consumer")
        var up = [Int](repeating: -1, count: consumers)
        for (consumer, dependsOn) in dependencies {
            precondition(consumer >= 0 && consumer < consumers && dependsOn >= 0 && dependsOn < consumers && consumer != dependsOn,
                         "dependency \(consumer) -> \(dependsOn) out of range")
            up[consumer] = dependsOn
        }
        // Reject cycles: following upstream links from any consumer must reach −1.
        for start in 0..<consumers {
            var steps = 0, c = start
            while up[c] >= 0 { c = up[c]; steps += 1; precondition(steps <= consumers, "consumer dependencies form a cycle") }
        }
        let spacing = RingLayout.indexSpacing
        let header = spacing * (1 + consumers)
        memory = try NodeLocalMemory(length: header + RingLayout.slotBytes(count: capacity, stride: MemoryLayout<Element>.stride),
                                     node: numaNode)
        let base = memory.base
        cursor = base.bindMemory(to: Atomic<Int>.self, capacity: 1)
        cursor.initialize(to: Atomic(0))
        producerCache = (base + 64).bindMemory(to: Int.self, capacity: 1)
        producerCache.initialize(to: 0)
        sequences = base + spacing
        for i in 0..<consumers {
            (sequences + i * spacing).bindMemory(to: Atomic<Int>.self, capacity: 1).initialize(to: Atomic(0))
        }
        slots = (base + header).bindMemory(to: Element.self, capacity: capacity)
        self.capacity = capacity
        consumerCount = consumers
        mask = capacity - 1
        upstream = up
        gatingConsumers = (0..<consumers).filter { c in !up.contains(c) }
        handedOut = Atomic(0)
    }

    deinit {
        cursor.deinitialize(count: 1)
        for i in 0..<consumerCount { sequence(of: i).deinitialize(count: 1) }
    }

    @usableFromInline @inline(__always)
    func sequence(of consumer: Int) -> UnsafeMutablePointer<Atomic<Int>> {
        (sequences + consumer &* RingLayout.indexSpacing).assumingMemoryBound(to: Atomic<Int>.self)
    }

    /// The handle for consumer `index` (0 ..< consumerCount). Each index may be taken once.
    public func consumer(_ index: Int) -> BroadcastConsumer<Element> {
        precondition(index >= 0 && index < consumerCount, "consumer index out of range")
        let bit = 1 << index
        let previous = handedOut.bitwiseOr(bit, ordering: .relaxed).oldValue
        precondition(previous & bit == 0, "consumer \(index) already taken")
        return BroadcastConsumer(ring: self, index: index, upstream: upstream[index])
    }

    // MARK: Producer (one thread)

    @inlinable @inline(__always)
    func minimumGatingSequence() -> Int {
        var minimum = Int.max
        for c in gatingConsumers {
            // acquiring: the consumer finished reading the slots below its sequence.
            let s = sequence(of: c).pointee.load(ordering: .acquiring)
            if s < minimum { minimum = s }
        }
        return minimum
    }

    /// Writes one event if every gating consumer has room. Producer thread only; wait-free
    /// (O(consumers) when the cached gate is stale), no allocation.
    @inlinable @inline(__always)
    public func tryPublish(_ element: Element) -> PublishResult {
        let c = cursor.pointee.load(ordering: .relaxed)
        if c &- producerCache.pointee == capacity {
            producerCache.pointee = minimumGatingSequence()
            if c &- producerCache.pointee == capacity { return .full }
        }
        (slots + (c & mask)).initialize(to: element)
        // releasing: slot contents visible before the cursor that covers them.
        cursor.pointee.store(c &+ 1, ordering: .releasing)
        return .published
    }

    /// Writes as many of `elements` as fit with one cursor store; returns how many.
    @inlinable
    public func tryPublish(contentsOf elements: UnsafeBufferPointer<Element>) -> Int {
        let c = cursor.pointee.load(ordering: .relaxed)
        var free = capacity &- (c &- producerCache.pointee)
        if free < elements.count {
            producerCache.pointee = minimumGatingSequence()
            free = capacity &- (c &- producerCache.pointee)
        }
        let n = min(free, elements.count)
        if n == 0 { return 0 }
        for i in 0..<n { (slots + ((c &+ i) & mask)).initialize(to: elements[i]) }
        cursor.pointee.store(c &+ n, ordering: .releasing)
        return n
    }

    /// Writes one event, idling while the slowest consumer holds the ring full.
    @inlinable
    public func publish<Idle: IdleStrategy>(_ element: Element, idle: inout Idle) {
        while tryPublish(element) == .full { idle.idle() }
        idle.reset()
    }

    /// Events published so far.
    public var publishedCount: Int { cursor.pointee.load(ordering: .acquiring) }
}

/// One reader of a `BroadcastRing`. Use from exactly one thread.
public final class BroadcastConsumer<Element: BitwiseCopyable>: @unchecked Sendable {
    // SAFETY: only the owning consumer thread touches `cachedAvailable` and writes this
    // consumer's sequence; the ring outlives the handle (strong reference).
    public let ring: BroadcastRing<Element>
    /// Consumer number in the ring.
    public let index: Int
    @usableFromInline let upstream: Int
    @usableFromInline let sequence: UnsafeMutablePointer<Atomic<Int>>
    @usableFromInline var cachedAvailable = 0

    init(ring: BroadcastRing<Element>, index: Int, upstream: Int) {
        self.ring = ring
        self.index = index
        self.upstream = upstream
        sequence = ring.sequence(of: index)
    }

    /// Highest count this consumer may read up to now.
    @inlinable @inline(__always)
    func refreshAvailable() -> Int {
        // acquiring: pairs with the producer's (or upstream consumer's) releasing store.
        let published = ring.cursor.pointee.load(ordering: .acquiring)
        if upstream < 0 { return published }
        return min(published, ring.sequence(of: upstream).pointee.load(ordering: .acquiring))
    }

    /// Reads the next event, or `nil` if none is available. Owner thread only; wait-free.
    @inlinable @inline(__always)
    public func tryConsume() -> Element? {
        let s = sequence.pointee.load(ordering: .relaxed)
        if s == cachedAvailable {
            cachedAvailable = refreshAvailable()
            if s == cachedAvailable { return nil }
        }
        let element = (ring.slots + (s & ring.mask)).pointee
        // releasing: our read completes before the producer (or a follower) sees it done.
        sequence.pointee.store(s &+ 1, ordering: .releasing)
        return element
    }

    /// Hands up to `limit` available events to `handler`, then marks them read with one
    /// store; returns how many. Owner thread only; no allocation.
    @inlinable
    public func consume<E: Error>(limit: Int = .max, _ handler: (Element) throws(E) -> Void) throws(E) -> Int {
        let s = sequence.pointee.load(ordering: .relaxed)
        if cachedAvailable &- s < limit {
            // One refresh per batch (not per event) picks up everything published so far.
            cachedAvailable = refreshAvailable()
            if s == cachedAvailable { return 0 }
        }
        let n = min(cachedAvailable &- s, limit)
        var done = 0
        defer { if done > 0 { sequence.pointee.store(s &+ done, ordering: .releasing) } }
        while done < n {
            try handler((ring.slots + ((s &+ done) & ring.mask)).pointee)
            done += 1
        }
        return n
    }

    /// Events this consumer has read.
    public var consumedCount: Int { sequence.pointee.load(ordering: .acquiring) }
}
