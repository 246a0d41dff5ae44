import PeregrineCore

/// Counts events over a sliding window of eight fixed slots (each `window / 8` long).
///
/// `count(now:)` is the number of events whose slot is one of the last eight slots ending
/// with the slot holding `now`: the window is therefore between 7/8 and 8/8 of its nominal
/// length. O(8), no allocation after `init`.
public struct SlidingWindowCounter: Sendable {
    public static let slots = 8
    var epochs: [Int64]
    var counts: [Int64]

    public init() {
        epochs = Array(repeating: Int64.min, count: Self.slots)
        counts = Array(repeating: 0, count: Self.slots)
    }

    /// The slot number of `time` for a window of `window` (at least 8 ns).
    public static func epoch(of time: Timestamp, window: Nanoseconds) -> Int64 {
        let width = window.count / Int64(slots)
        let t = time.nanosecondsSinceEpoch
        return t >= 0 ? t / width : (t - width + 1) / width
    }

    /// Events in the window ending at `now`.
    public func count(now: Timestamp, window: Nanoseconds) -> Int64 {
        let current = Self.epoch(of: now, window: window)
        var total: Int64 = 0
        for k in 0..<Self.slots where epochs[k] <= current && epochs[k] > current - Int64(Self.slots) {
            total += counts[k]
        }
        return total
    }

    /// Records one event at `now`.
    public mutating func add(now: Timestamp, window: Nanoseconds) {
        let current = Self.epoch(of: now, window: window)
        let k = Int(UInt64(bitPattern: current) % UInt64(Self.slots))
        if epochs[k] != current {
            // An older event in an overwritten slot is already outside the window; a newer
            // one (time went backwards) is kept rather than lost.
            if epochs[k] > current { counts[k] += 1; return }
            epochs[k] = current
            counts[k] = 0
        }
        counts[k] += 1
    }
}
