/// A point in time: signed integer nanoseconds since the Unix epoch (UTC).
///
/// Covers 1677-09-21 to 2262-04-11. Venue times, receive times and journal times all use
/// it; the clock that produced it (wall, monotonic, TSC-derived) is the caller's contract.
/// 8 bytes, no allocation.
@frozen
public struct Timestamp: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanosecondsSinceEpoch: Int64

    @inlinable public init(nanosecondsSinceEpoch: Int64) { self.nanosecondsSinceEpoch = nanosecondsSinceEpoch }

    /// The epoch, also used as "no time".
    @inlinable public static var zero: Timestamp { Timestamp(nanosecondsSinceEpoch: 0) }

    @inlinable public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// The time `duration` later; traps on overflow.
    @inlinable public static func + (lhs: Timestamp, rhs: Nanoseconds) -> Timestamp {
        Timestamp(nanosecondsSinceEpoch: lhs.nanosecondsSinceEpoch + rhs.count)
    }

    /// The time `duration` earlier; traps on overflow.
    @inlinable public static func - (lhs: Timestamp, rhs: Nanoseconds) -> Timestamp {
        Timestamp(nanosecondsSinceEpoch: lhs.nanosecondsSinceEpoch - rhs.count)
    }

    /// The interval from `rhs` to `lhs`.
    @inlinable public static func - (lhs: Timestamp, rhs: Timestamp) -> Nanoseconds {
        Nanoseconds(lhs.nanosecondsSinceEpoch - rhs.nanosecondsSinceEpoch)
    }

    /// UTC civil date and time of day, computed without Foundation (Howard Hinnant's
    /// days-from-civil algorithm). O(1), no allocation.
    @inlinable
    public var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanosecond: Int) {
        let ns = nanosecondsSinceEpoch
        var days = ns / 86_400_000_000_000
        var rem = ns % 86_400_000_000_000
        if rem < 0 { rem += 86_400_000_000_000; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        let secondOfDay = rem / 1_000_000_000
        return (Int(y), Int(m), Int(d), Int(secondOfDay / 3600), Int(secondOfDay % 3600 / 60),
                Int(secondOfDay % 60), Int(rem % 1_000_000_000))
    }

    /// The timestamp of a UTC civil date and time; `nil` for an invalid date.
    @inlinable
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
              (0...59).contains(minute), (0...60).contains(second), (0..<1_000_000_000).contains(nanosecond)
        else { return nil }
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let (ns, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, o2) = ns.addingReportingOverflow(Int64(nanosecond))
        if o1 || o2 { return nil }
        self.init(nanosecondsSinceEpoch: total)
    }

    /// ISO 8601 UTC text with nanoseconds ("2026-11-26T01:02:03.000000004Z"); allocates.
    public var description: String {
        let c = civil
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: Swift.max(0, width - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(c.nanosecond, 9))Z"
    }
}

/// A signed duration in integer nanoseconds. 8 bytes, no allocation.
@frozen
public struct Nanoseconds: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The count of nanoseconds.
    public var count: Int64

    @inlinable public init(_ count: Int64) { self.count = count }
    @inlinable public static var zero: Nanoseconds { Nanoseconds(0) }
    @inlinable public static func microseconds(_ value: Int64) -> Nanoseconds { Nanoseconds(value * 1_000) }
    @inlinable public static func milliseconds(_ value: Int64) -> Nanoseconds { Nanoseconds(value * 1_000_000) }
    @inlinable public static func seconds(_ value: Int64) -> Nanoseconds { Nanoseconds(value * 1_000_000_000) }
    @inlinable public static func < (lhs: Nanoseconds, rhs: Nanoseconds) -> Bool { lhs.count < rhs.count }
    @inlinable public static func + (lhs: Nanoseconds, rhs: Nanoseconds) -> Nanoseconds { Nanoseconds(lhs.count + rhs.count) }
    @inlinable public static func - (lhs: Nanoseconds, rhs: Nanoseconds) -> Nanoseconds { Nanoseconds(lhs.count - rhs.count) }
    public var description: String { "\(count)ns" }
}
