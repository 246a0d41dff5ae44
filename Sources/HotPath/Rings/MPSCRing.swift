import Synchronization
import PeregrinePlatform

/// A bounded multi-producer single-consumer ring (several strategies into one order
/// gateway), after Dmitry Vyukov's bounded MPMC queue with per-slot sequence numbers.
///
/// A producer claims a position with a compare-and-swap on the shared tail, writes the
/// slot, and publishes it by storing the slot's sequence; the consumer reads slots in
/// position order as their sequences say they are complete. No locks; a producer
/// preempted between claim and publish delays the consumer at that slot only (events
/// stay in claim order). Threading: any number of producer threads; one consumer thread.
/// No allocation after construction.
public final class MPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    // SAFETY: a slot is written only by the producer whose CAS claimed its position, and
    // read only by the consumer after the slot's sequence (release/acquire) says so.

    public let capacity: Int
    @usableFromInline let mask: Int
    @usableFromInline let tail: UnsafeMutablePointer<Atomic<Int>>      // next position to claim (producers)
    @usableFromInline let head: UnsafeMutablePointer<Int>              // next position to read (consumer only)
    @usableFromInline let slotBase: UnsafeMutableRawPointer
    @usableFromInline let slotStride: Int
    @usableFromInline let elementOffset: Int
    private let memory: NodeLocalMemory

    /// Creates a ring of `capacity` slots (power of two). Set-up only: allocates.
    public init(capacity: Int, numaNode: Int = -1) throws(SystemError) {
        RingLayout.validate(capacity: capacity)
        let spacing = RingLayout.indexSpacing
        let align = max(MemoryLayout<Element>.alignment, MemoryLayout<Int>.alignment)
        let offset = (MemoryLayout<Int>.size + align - 1) / align * align
        let stride = (offset + MemoryLayout<Element>.size + align - 1) / align * align
        memory = try NodeLocalMemory(length: 2 * spacing + RingLayout.slotBytes(count: capacity, stride: stride), node: numaNode)
        let base = memory.base
        tail = base.bindMemory(to: Atomic<Int>.self, capacity: 1)
        tail.initialize(to: Atomic(0))
        head = (base + spacing).bindMemory(to: Int.self, capacity: 1)
        head.initialize(to: 0)
        slotBase = base + 2 * spacing
        slotStride = stride
        elementOffset = offset
        self.capacity = capacity
        mask = capacity - 1
        for i in 0..<capacity {
            // Slot i is free for position i.
            (slotBase + i * stride).bindMemory(to: Atomic<Int>.self, capacity: 1).initialize(to: Atomic(i))
        }
    }

    deinit {
        tail.deinitialize(count: 1)
        for i in 0..<capacity { slotSequence(i).deinitialize(count: 1) }
    }

    @usableFromInline @inline(__always)
    func slotSequence(_ index: Int) -> UnsafeMutablePointer<Atomic<Int>> {
        (slotBase + index &* slotStride).assumingMemoryBound(to: Atomic<Int>.self)
    }

    @usableFromInline @inline(__always)
    func slotElement(_ index: Int) -> UnsafeMutablePointer<Element> {
        (slotBase + index &* slotStride + elementOffset).assumingMemoryBound(to: Element.self)
    }

    /// Writes one event if there is room. Any thread; lock-free (retries only when another
    /// producer won the same position), no allocation.
    @inlinable
    public func tryPublish(_ element: Element) -> PublishResult {
        var position = tail.pointee.load(ordering: .relaxed)
        while true {
            let index = position & mask
            // acquiring: the consumer's release of this slot (its read is complete).
            let sequence = slotSequence(index).pointee.load(ordering: .acquiring)
            let difference = sequence &- position
            if difference == 0 {
                // relaxed CAS: the slot's own sequence carries the publication ordering.
                let (exchanged, original) = tail.pointee.weakCompareExchange(
                    expected: position, desired: position &+ 1, successOrdering: .relaxed, failureOrdering: .relaxed)
                if exchanged {
                    slotElement(index).initialize(to: element)
                    // releasing: the element is visible before the consumer sees the slot full.
                    slotSequence(index).pointee.store(position &+ 1, ordering: .releasing)
                    return .published
                }
                position = original
            } else if difference < 0 {
                return .full
            } else {
                position = tail.pointee.load(ordering: .relaxed)
            }
        }
    }

    /// Writes one event, idling while the ring is full. Any thread.
    @inlinable
    public func publish<Idle: IdleStrategy>(_ element: Element, idle: inout Idle) {
        while tryPublish(element) == .full { idle.idle() }
        idle.reset()
    }

    /// Reads the next event in claim order, or `nil` if it is not published yet. Consumer
    /// thread only; wait-free, no allocation.
    @inlinable @inline(__always)
    public func tryConsume() -> Element? {
        let position = head.pointee
        let index = position & mask
        // acquiring: pairs with the producer's releasing store of the slot sequence.
        let sequence = slotSequence(index).pointee.load(ordering: .acquiring)
        if sequence != position &+ 1 { return nil }
        let element = slotElement(index).pointee
        head.pointee = position &+ 1
        // releasing: our read completes before a producer claims the slot one lap later.
        slotSequence(index).pointee.store(position &+ capacity, ordering: .releasing)
        return element
    }

    /// Hands up to `limit` ready events to `handler` in claim order; returns how many.
    @inlinable
    public func consume<E: Error>(limit: Int = .max, _ handler: (Element) throws(E) -> Void) throws(E) -> Int {
        var n = 0
        while n < limit, let e = tryConsume() {
            n += 1
            try handler(e)
        }
        return n
    }
}
