import PeregrineCore

/// Per-partition fixed-capacity rings of window samples with incrementally maintained
/// aggregates; the storage under every window operator. Maintains only what the configured
/// aggregates need (sums, weighted sums, moments, deques, sorted buffer are each optional).
///
/// All memory is allocated in `init`: flat arrays of `partitions × capacity` for times,
/// values, weights, the min/max monotonic deques and the sorted order-statistics buffer,
/// plus one trivially copyable `PartitionState` per partition. `append` and `evictOldest`
/// are O(1) amortized (O(capacity) with a percentile), never allocate and never lock.
/// Single thread (the operator's owner).
public struct WindowStore {
    /// What one partition's window holds now (trivially copyable; one per partition).
    @frozen
    public struct PartitionState: Sendable, BitwiseCopyable {
        /// Absolute sequence numbers: samples `head..<tail` are in the window.
        public var head: Int = 0
        public var tail: Int = 0
        public var sum = CompensatedSum()
        public var sumOfWeights = CompensatedSum()
        public var weightedSum = CompensatedSum()
        public var moments = WelfordMoments()
        public var removalsSinceRecompute = 0
        /// Monotonic deques (positions `dequeHead..<dequeTail`, entries are sample sequence numbers).
        public var minimumHead = 0, minimumTail = 0
        public var maximumHead = 0, maximumTail = 0
        /// Operator bookkeeping: next window end / session deadline / events since last emit.
        public var nextEnd: Int64 = 0
        public var eventsSinceEmit = 0
        @inlinable public init() {}
        @inlinable public var count: Int { tail - head }
    }

    public let partitionCount: Int
    /// Samples a partition's window holds at most.
    public let capacity: Int
    /// Ring size per partition: `capacity` rounded up to a power of two, so positions wrap
    /// with a mask instead of a division (several per event otherwise).
    @usableFromInline let ringSize: Int
    @usableFromInline let ringMask: Int
    public let aggregates: [CEPAggregate]
    @usableFromInline let keepsMinimum: Bool
    @usableFromInline let keepsMaximum: Bool
    @usableFromInline let keepsSorted: Bool
    /// Whether Σ value, Σ weight / Σ value·weight, and the Welford moments are needed.
    @usableFromInline let keepsSum: Bool
    @usableFromInline let keepsWeighted: Bool
    @usableFromInline let keepsMoments: Bool
    @usableFromInline var states: [PartitionState]
    @usableFromInline var times: [Int64]
    @usableFromInline var values: [Double]
    @usableFromInline var weights: [Double]
    @usableFromInline var minimumDeque: [Int]
    @usableFromInline var maximumDeque: [Int]
    @usableFromInline var sorted: [Double]
    /// Samples dropped early because a partition's ring was full (a fault counter).
    public var overflowEvictions = 0

    /// Storage for `partitions` windows of up to `capacity` samples each, maintaining what
    /// `aggregates` need (at most `CEPOutput.maxValues`). Allocates once.
    public init(partitions: Int, capacity: Int, aggregates: [CEPAggregate]) {
        precondition(partitions > 0 && capacity > 0, "WindowStore needs partitions and capacity")
        precondition(!aggregates.isEmpty && aggregates.count <= CEPOutput.maxValues, "1...5 aggregates per window")
        for a in aggregates { if case .percentile(let q) = a { precondition((0...1).contains(q), "percentile in 0...1") } }
        partitionCount = partitions
        self.capacity = capacity
        var size = 1
        while size < capacity { size <<= 1 }
        ringSize = size
        ringMask = size - 1
        self.aggregates = aggregates
        keepsMinimum = aggregates.contains { $0.needsMinimumDeque }
        keepsMaximum = aggregates.contains { $0.needsMaximumDeque }
        keepsSorted = aggregates.contains { $0.needsSortedValues }
        keepsSum = aggregates.contains { $0 == .sum || $0 == .mean }
        keepsWeighted = aggregates.contains { $0 == .vwap || $0 == .sumOfWeights }
        keepsMoments = aggregates.contains { $0 == .variance || $0 == .standardDeviation || $0 == .zScore }
        states = Array(repeating: PartitionState(), count: partitions)
        let n = partitions * ringSize
        times = Array(repeating: 0, count: n)
        values = Array(repeating: 0, count: n)
        weights = Array(repeating: 0, count: n)
        minimumDeque = Array(repeating: 0, count: keepsMinimum ? n : 0)
        maximumDeque = Array(repeating: 0, count: keepsMaximum ? n : 0)
        sorted = Array(repeating: 0, count: keepsSorted ? n : 0)
    }

    @inlinable func slot(_ partition: Int, _ sequence: Int) -> Int { partition &* ringSize &+ (sequence & ringMask) }

    /// The state of `partition`.
    @inlinable public func state(_ partition: Int) -> PartitionState { states[partition] }

    /// Samples in `partition`'s window.
    @inlinable public func count(_ partition: Int) -> Int { states[partition].count }

    /// Time of the oldest sample in `partition` (precondition: not empty).
    @inlinable public func oldestTime(_ partition: Int) -> Int64 { times[slot(partition, states[partition].head)] }

    /// Adds a sample (evicting the oldest, counted, when the ring is full). O(1) amortized.
    @inlinable
    public mutating func append(_ partition: Int, time: Int64, value: Double, weight: Double) {
        if states[partition].count == capacity {
            overflowEvictions &+= 1
            evictOldest(partition)
        }
        var s = states[partition]
        let sequence = s.tail
        let i = slot(partition, sequence)
        times[i] = time; values[i] = value; weights[i] = weight
        s.tail += 1
        if keepsSum { s.sum.add(value) }
        if keepsWeighted { s.sumOfWeights.add(weight); s.weightedSum.add(value * weight) }
        if keepsMoments { s.moments.insert(value) }
        let base = partition &* ringSize
        if keepsMinimum {
            while s.minimumTail > s.minimumHead && values[slot(partition, minimumDeque[base + ((s.minimumTail - 1) & ringMask)])] >= value {
                s.minimumTail -= 1
            }
            minimumDeque[base + (s.minimumTail & ringMask)] = sequence
            s.minimumTail += 1
        }
        if keepsMaximum {
            while s.maximumTail > s.maximumHead && values[slot(partition, maximumDeque[base + ((s.maximumTail - 1) & ringMask)])] <= value {
                s.maximumTail -= 1
            }
            maximumDeque[base + (s.maximumTail & ringMask)] = sequence
            s.maximumTail += 1
        }
        if keepsSorted {
            // Insertion into the sorted prefix of length count - 1 (binary search, shift).
            let n = s.count - 1
            var lo = 0, hi = n
            while lo < hi { let mid = (lo + hi) >> 1; if sorted[base + mid] <= value { lo = mid + 1 } else { hi = mid } }
            var j = n
            while j > lo { sorted[base + j] = sorted[base + j - 1]; j -= 1 }
            sorted[base + lo] = value
        }
        states[partition] = s
    }

    /// Removes the oldest sample of `partition` (precondition: not empty). O(1) amortized.
    @inlinable
    public mutating func evictOldest(_ partition: Int) {
        var s = states[partition]
        precondition(s.count > 0, "evictOldest on an empty window")
        let sequence = s.head
        let i = slot(partition, sequence)
        let value = values[i], weight = weights[i]
        s.head += 1
        let base = partition &* ringSize
        if s.count == 0 {
            let keep = (s.nextEnd, s.eventsSinceEmit)
            s = PartitionState()
            s.head = sequence + 1; s.tail = sequence + 1
            s.minimumHead = 0; s.maximumHead = 0
            (s.nextEnd, s.eventsSinceEmit) = keep
            states[partition] = s
            return
        }
        if keepsSum { s.sum.add(-value) }
        if keepsWeighted { s.sumOfWeights.add(-weight); s.weightedSum.add(-(value * weight)) }
        if keepsMoments { s.moments.remove(value) }
        if keepsMinimum && minimumDeque[base + (s.minimumHead & ringMask)] == sequence { s.minimumHead += 1 }
        if keepsMaximum && maximumDeque[base + (s.maximumHead & ringMask)] == sequence { s.maximumHead += 1 }
        if keepsSorted {
            let n = s.count + 1
            var lo = 0, hi = n
            while lo < hi { let mid = (lo + hi) >> 1; if sorted[base + mid] < value { lo = mid + 1 } else { hi = mid } }
            var j = lo
            while j < n - 1 { sorted[base + j] = sorted[base + j + 1]; j += 1 }
        }
        s.removalsSinceRecompute += 1
        states[partition] = s
        if s.removalsSinceRecompute >= capacity && (keepsSum || keepsWeighted || keepsMoments) { recompute(partition) }
    }

    /// Evicts samples older than `time` (time < `time`). O(evicted).
    @inlinable
    public mutating func evict(_ partition: Int, before time: Int64) {
        while states[partition].count > 0 && oldestTime(partition) < time { evictOldest(partition) }
    }

    /// Empties `partition`'s window. O(1).
    @inlinable
    public mutating func clear(_ partition: Int) {
        let s = states[partition]
        var fresh = PartitionState()
        fresh.head = s.tail; fresh.tail = s.tail
        fresh.nextEnd = s.nextEnd; fresh.eventsSinceEmit = s.eventsSinceEmit
        states[partition] = fresh
    }

    /// Rebuilds the sums and moments of `partition` from its samples (two-pass), bounding
    /// the drift of incremental removal. O(count); called every `capacity` removals.
    @usableFromInline
    mutating func recompute(_ partition: Int) {
        var s = states[partition]
        var sum = CompensatedSum(), sumW = CompensatedSum(), sumVW = CompensatedSum()
        for q in s.head..<s.tail {
            let i = slot(partition, q)
            sum.add(values[i]); sumW.add(weights[i]); sumVW.add(values[i] * weights[i])
        }
        let n = s.count
        let mean = sum.value / Double(n)
        var m2 = 0.0, correction = 0.0
        for q in s.head..<s.tail {
            let d = values[slot(partition, q)] - mean
            m2 += d * d; correction += d
        }
        m2 -= correction * correction / Double(n)   // corrected two-pass (Chan, Golub, LeVeque 1983)
        s.sum = sum; s.sumOfWeights = sumW; s.weightedSum = sumVW
        s.moments.count = n; s.moments.shift = mean; s.moments.shiftedMean = correction / Double(n)
        s.moments.m2 = Swift.max(m2, 0)
        s.removalsSinceRecompute = 0
        states[partition] = s
    }

    /// The value of `aggregate` over `partition`'s window. O(1) (percentile: O(1) on the
    /// sorted buffer). NaN for min/max/first/last/mean/vwap/percentile of an empty window.
    @inlinable
    public func result(_ aggregate: CEPAggregate, partition: Int) -> Double {
        let s = states[partition]
        let n = s.count
        let base = partition &* ringSize
        switch aggregate {
        case .count: return Double(n)
        case .sum: return s.sum.value
        case .mean: return n == 0 ? .nan : s.sum.value / Double(n)
        case .min: return n == 0 ? .nan : values[slot(partition, minimumDeque[base + (s.minimumHead & ringMask)])]
        case .max: return n == 0 ? .nan : values[slot(partition, maximumDeque[base + (s.maximumHead & ringMask)])]
        case .first: return n == 0 ? .nan : values[slot(partition, s.head)]
        case .last: return n == 0 ? .nan : values[slot(partition, s.tail - 1)]
        case .variance: return s.moments.variance
        case .standardDeviation: return s.moments.variance.squareRoot()
        case .vwap:
            let w = s.sumOfWeights.value
            return w == 0 ? .nan : s.weightedSum.value / w
        case .sumOfWeights: return s.sumOfWeights.value
        case .zScore:
            let sd = s.moments.variance.squareRoot()
            return n < 2 || sd == 0 ? 0 : ((values[slot(partition, s.tail - 1)] - s.moments.shift) - s.moments.shiftedMean) / sd
        case .percentile(let q):
            if n == 0 { return .nan }
            let position = q * Double(n - 1)
            let lower = Int(position)
            let fraction = position - Double(lower)
            let a = sorted[base + lower]
            return lower + 1 < n ? a + (sorted[base + lower + 1] - a) * fraction : a
        }
    }

    /// Writes every configured aggregate of `partition` into `output` in order.
    @inlinable
    public func fill(_ output: inout CEPOutput, partition: Int) {
        for a in aggregates { output.append(result(a, partition: partition)) }
    }

    /// The addresses of the storage arrays (tests use them to show nothing reallocates).
    public var storageAddresses: [UInt] {
        [states.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) },
         times.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) },
         values.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) },
         sorted.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) },
         minimumDeque.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }]
    }
}
