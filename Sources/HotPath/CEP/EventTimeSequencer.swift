import PeregrineCore

/// What became of an offered event.
@frozen
public enum SequencerOffer: UInt8, Sendable, BitwiseCopyable {
    /// Buffered; it will come out of `poll()` in time order.
    case accepted
    /// Older than the watermark: counted, and dropped or routed per `LateEventPolicy`.
    case late
}

/// What to do with events older than the watermark.
@frozen
public enum LateEventPolicy: UInt8, Sendable, BitwiseCopyable {
    /// Count and drop.
    case drop
    /// Count and keep in the late ring (`pollLate()`), e.g. for a corrections stream.
    case route
}

/// Turns a stream with bounded out-of-orderness into a time-ordered stream plus watermarks
/// (event time, for replay and for feeds whose venue times arrive out of order).
///
/// The watermark follows Flink's bounded-out-of-orderness generator: after seeing maximum
/// event time `M`, watermark `W = M − maxOutOfOrderness − 1`, promising that no event with
/// time ≤ W is still to come; an event with time ≤ W arriving later is *late*. `poll()`
/// releases buffered events with time ≤ W in (time, arrival) order; operators fed from it see
/// non-decreasing times and fire their timers from `watermark` (see `CEPOperator`). With
/// `maxOutOfOrderness` 0 an event is released as soon as a later-timed one arrives (or on
/// `advanceWatermark`). When the buffer is full, `poll()` releases the earliest event anyway
/// and raises the watermark to just below it (`forcedReleases` counts this).
///
/// A binary min-heap over a preallocated array; `offer` and `poll` are O(log capacity), never
/// allocate, never block. Single thread. For live trading in processing time, skip the
/// sequencer: feed operators in arrival order with the receive time and pass `now − 1` as
/// the watermark.
public struct EventTimeSequencer<Event: CEPTimed> {
    @usableFromInline var heap: [Event]
    @usableFromInline var arrival: [UInt64]
    @usableFromInline var heapCount = 0
    @usableFromInline var nextArrival: UInt64 = 0
    @usableFromInline var late: [Event]
    @usableFromInline var lateHead = 0
    @usableFromInline var lateCount = 0
    @usableFromInline var maximumSeen = Int64.min
    /// The bound on out-of-orderness.
    public let maxOutOfOrderness: Nanoseconds
    /// What happens to late events.
    public let latePolicy: LateEventPolicy
    /// No event with time ≤ `watermark` will be released any more (starts at the minimum).
    public var watermark = Timestamp(nanosecondsSinceEpoch: .min)
    /// Late events seen (dropped or routed).
    public var lateEvents = 0
    /// Late events lost because the late ring was full.
    public var lateOverflows = 0
    /// Events released early because the buffer was full.
    public var forcedReleases = 0

    /// A sequencer buffering up to `capacity` events. Allocates once.
    public init(capacity: Int, maxOutOfOrderness: Nanoseconds, latePolicy: LateEventPolicy = .drop, lateCapacity: Int = 1) {
        precondition(capacity > 0 && lateCapacity > 0 && maxOutOfOrderness.count >= 0, "EventTimeSequencer set-up")
        heap = []
        heap.reserveCapacity(capacity)
        arrival = Array(repeating: 0, count: capacity)
        late = []
        late.reserveCapacity(lateCapacity)
        self.maxOutOfOrderness = maxOutOfOrderness
        self.latePolicy = latePolicy
        self.capacityLimit = capacity
        self.lateCapacityLimit = lateCapacity
    }

    @usableFromInline let capacityLimit: Int
    @usableFromInline let lateCapacityLimit: Int

    /// Events buffered.
    @inlinable public var count: Int { heapCount }

    @inlinable func less(_ i: Int, _ j: Int) -> Bool {
        let a = heap[i].eventTime, b = heap[j].eventTime
        return a < b || (a == b && arrival[i] < arrival[j])
    }

    @inlinable mutating func swapAt(_ i: Int, _ j: Int) {
        heap.swapAt(i, j)
        arrival.swapAt(i, j)
    }

    /// Buffers `event`, or counts it late. Call `poll()` until nil after each offer.
    /// O(log capacity), no allocation (the storage was reserved in `init`).
    @inlinable
    @discardableResult
    public mutating func offer(_ event: Event) -> SequencerOffer {
        let t = event.eventTime.nanosecondsSinceEpoch
        if t <= watermark.nanosecondsSinceEpoch {
            lateEvents &+= 1
            if latePolicy == .route {
                if lateCount == lateCapacityLimit {
                    lateOverflows &+= 1
                } else {
                    let i = (lateHead + lateCount) % lateCapacityLimit
                    if i == late.count { late.append(event) } else { late[i] = event }
                    lateCount += 1
                }
            }
            return .late
        }
        precondition(heapCount < capacityLimit, "EventTimeSequencer: poll() until nil after each offer")
        if heapCount == heap.count { heap.append(event) } else { heap[heapCount] = event }
        arrival[heapCount] = nextArrival
        nextArrival &+= 1
        var i = heapCount
        heapCount += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if !less(i, parent) { break }
            swapAt(i, parent)
            i = parent
        }
        if t > maximumSeen {
            maximumSeen = t
            let w = t - maxOutOfOrderness.count - 1
            if w > watermark.nanosecondsSinceEpoch { watermark = Timestamp(nanosecondsSinceEpoch: w) }
        }
        return .accepted
    }

    /// Raises the watermark to `time` (idle source, end of replay: pass `.max` to flush).
    @inlinable
    public mutating func advanceWatermark(to time: Timestamp) {
        if time > watermark { watermark = time }
    }

    /// The next event in time order whose time ≤ watermark (or the earliest one when the
    /// buffer is full), or nil. O(log capacity), no allocation.
    @inlinable
    public mutating func poll() -> Event? {
        guard heapCount > 0 else { return nil }
        let top = heap[0]
        let t = top.eventTime.nanosecondsSinceEpoch
        if t > watermark.nanosecondsSinceEpoch {
            guard heapCount == capacityLimit else { return nil }
            forcedReleases &+= 1
            watermark = Timestamp(nanosecondsSinceEpoch: t - 1)
        }
        heapCount -= 1
        if heapCount > 0 {
            heap[0] = heap[heapCount]
            arrival[0] = arrival[heapCount]
            var i = 0
            while true {
                let l = 2 * i + 1
                if l >= heapCount { break }
                var c = l
                if l + 1 < heapCount && less(l + 1, l) { c = l + 1 }
                if !less(c, i) { break }
                swapAt(i, c)
                i = c
            }
        }
        return top
    }

    /// The oldest routed late event, or nil. O(1).
    @inlinable
    public mutating func pollLate() -> Event? {
        guard lateCount > 0 else { return nil }
        let e = late[lateHead]
        lateHead = (lateHead + 1) % lateCapacityLimit
        lateCount -= 1
        return e
    }

    /// The address of the buffer (tests use it to show it never reallocates).
    public var storageAddress: UInt { heap.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
}
