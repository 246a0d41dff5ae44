import PeregrineCore

/// Where one report day ends and the next begins.
public enum DayBoundary: String, Sendable, CaseIterable {
    /// Midnight in New York (US Eastern time: UTC−5, UTC−4 from the second Sunday of March
    /// 02:00 to the first Sunday of November 02:00 local, the US rules since 2007) — the US
    /// equity trading date. Computed without a time-zone database.
    case newYork = "new-york"
    /// Midnight UTC.
    case utc

    /// The calendar day `time` falls on. O(1), no allocation.
    public func day(of time: Timestamp) -> CalendarDay {
        let local: Int64
        switch self {
        case .utc: local = time.nanosecondsSinceEpoch
        case .newYork: local = time.nanosecondsSinceEpoch + Self.newYorkOffsetSeconds(at: time) * 1_000_000_000
        }
        let c = Timestamp(nanosecondsSinceEpoch: local).civil
        return CalendarDay(year: c.year, month: c.month, day: c.day)
    }

    /// New York's offset from UTC at `time`, in seconds (−18,000 or −14,400).
    static func newYorkOffsetSeconds(at time: Timestamp) -> Int64 {
        let year = time.civil.year   // the switches are in March and November: same year in New York
        guard let march1 = Timestamp(year: year, month: 3, day: 1),
              let november1 = Timestamp(year: year, month: 11, day: 1) else { return -18_000 }
        // Second Sunday of March at 02:00 EST = 07:00 UTC; first Sunday of November at 02:00 EDT = 06:00 UTC.
        let start = march1.nanosecondsSinceEpoch + (Int64(firstSunday(march1) - 1 + 7) * 86_400 + 7 * 3_600) * 1_000_000_000
        let end = november1.nanosecondsSinceEpoch + (Int64(firstSunday(november1) - 1) * 86_400 + 6 * 3_600) * 1_000_000_000
        let t = time.nanosecondsSinceEpoch
        return t >= start && t < end ? -14_400 : -18_000
    }

    /// Day of the month (1…7) of the first Sunday of the month that starts at `first` (00:00 UTC).
    private static func firstSunday(_ first: Timestamp) -> Int {
        let days = first.nanosecondsSinceEpoch / 86_400_000_000_000
        let weekday = Int(((days % 7) + 7 + 4) % 7)   // 1970-01-01 was a Thursday; 0 = Sunday
        return 1 + (7 - weekday) % 7
    }
}

/// A calendar date (year, month, day) as a report day; text "YYYY-MM-DD".
public struct CalendarDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) { self.year = year; self.month = month; self.day = day }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        func pad(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}
