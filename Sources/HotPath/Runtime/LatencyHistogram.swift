/// A fixed-size, log-linear latency histogram (the HdrHistogram bucket layout with 128
/// sub-buckets per power of two: every recorded value is kept to within 1/64 ≈ 1.6 %),
/// for the engine's own latency figures (tick-to-order, wire-to-wire) where the benchmark
/// package's HdrHistogram is not a dependency.
///
/// Values are non-negative integers (nanoseconds by convention) up to 2⁴⁰ (≈ 18 minutes);
/// larger ones are clamped and counted in `clampedCount`.
///
/// Threading: one writer; readers take a copy (it is a value type) or read after the
/// writer stops. Allocation: `init` allocates the bucket array once; `record` never
/// allocates, locks or fails. Percentiles are O(buckets).
public struct LatencyHistogram: Sendable {
    /// Sub-buckets per power of two (the precision).
    static let subBucketBits = 7
    static let subBucketCount = 1 << subBucketBits            // 128
    static let subBucketHalf = subBucketCount / 2              // 64
    /// Powers of two covered above the first linear range.
    static let maxExponent = 40 - subBucketBits + 1
    static let bucketCount = subBucketCount + maxExponent * subBucketHalf
    /// Largest value recorded exactly-ish; larger values are clamped to it.
    public static let maxTrackable: UInt64 = (1 << 40) - 1

    var counts: [UInt64]
    /// Values recorded.
    public private(set) var count: UInt64 = 0
    /// Smallest and largest value recorded (0 when empty).
    public private(set) var min: UInt64 = .max
    public private(set) var max: UInt64 = 0
    /// Sum of recorded values (for the mean).
    public private(set) var sum: UInt64 = 0
    /// Values above `maxTrackable` (recorded as `maxTrackable`).
    public private(set) var clampedCount: UInt64 = 0

    /// An empty histogram (set-up: allocates about 28 KiB).
    public init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    /// The bucket index of `value` (≤ maxTrackable).
    @inline(__always)
    static func index(of value: UInt64) -> Int {
        if value < UInt64(subBucketCount) { return Int(value) }
        let magnitude = 63 - value.leadingZeroBitCount          // ≥ 7
        let shift = magnitude - (subBucketBits - 1)             // ≥ 1
        let sub = Int(value >> UInt64(shift))                   // 64 ..< 128
        return subBucketCount + (shift - 1) * subBucketHalf + (sub - subBucketHalf)
    }

    /// The highest value that maps to bucket `index` (what percentiles report).
    static func highestValue(ofBucket index: Int) -> UInt64 {
        if index < subBucketCount { return UInt64(index) }
        let shift = (index - subBucketCount) / subBucketHalf + 1
        let sub = UInt64((index - subBucketCount) % subBucketHalf + subBucketHalf)
        return ((sub + 1) << UInt64(shift)) - 1
    }

    // MARK: hot path begin
    /// Records one value. O(1); no allocation.
    public mutating func record(_ value: UInt64) {
        var v = value
        if v > Self.maxTrackable { v = Self.maxTrackable; clampedCount &+= 1 }
        counts.withUnsafeMutableBufferPointer { $0[Self.index(of: v)] &+= 1 }
        count &+= 1
        sum &+= v
        if v < min { min = v }
        if v > max { max = v }
    }
    // MARK: hot path end

    /// Adds every value of `other`.
    public mutating func add(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for i in 0..<counts.count { counts[i] &+= other.counts[i] }
        count &+= other.count
        sum &+= other.sum
        clampedCount &+= other.clampedCount
        if other.min < min { min = other.min }
        if other.max > max { max = other.max }
    }

    /// Forgets every value (keeps the storage).
    public mutating func reset() {
        for i in 0..<counts.count { counts[i] = 0 }
        count = 0; sum = 0; clampedCount = 0; min = .max; max = 0
    }

    /// The value at or below which `percentile` % of the values lie (0 when empty); within
    /// one bucket's width (≈ 1.6 %) above the true value, and never above `max`.
    public func value(atPercentile percentile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        if percentile >= 100 { return max }
        let wanted = Swift.max(1, UInt64((percentile / 100 * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for i in 0..<counts.count where counts[i] > 0 {
            seen += counts[i]
            if seen >= wanted { return Swift.min(Self.highestValue(ofBucket: i), max) }
        }
        return max
    }

    /// Mean of the recorded values (0 when empty).
    public var mean: Double { count == 0 ? 0 : Double(sum) / Double(count) }

    /// Non-empty buckets as (highest value of the bucket, count), lowest first — for charts.
    public func nonEmptyBuckets() -> [(value: UInt64, count: UInt64)] {
        var result: [(value: UInt64, count: UInt64)] = []
        for i in 0..<counts.count where counts[i] > 0 {
            result.append((Swift.min(Self.highestValue(ofBucket: i), max), counts[i]))
        }
        return result
    }
}
