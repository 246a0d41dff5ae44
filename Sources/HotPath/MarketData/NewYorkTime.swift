import PeregrineCore

/// Converts New York (US Eastern) wall-clock time on one date to UTC `Timestamp`s.
///
/// Shared by the LEAN reader (ms after midnight) and the IQFeed decoders (Eastern times).
///
/// US rules since 2007 (Energy Policy Act of 2005): daylight time (UTC−4) from 02:00 local on
/// the second Sunday of March to 02:00 local on the first Sunday of November, standard time
/// (UTC−5) otherwise. Earlier years' rules are not modelled. A local time in the spring-forward
/// gap is read as standard time (02:30 → 07:30 UTC, i.e. 03:30 EDT); a time in the repeated
/// fall-back hour is read as its first (daylight) occurrence. Built once per file; `utc` is a
/// few integer operations, no allocation.
public struct NewYorkTime: Sendable, Equatable {
    /// Local midnight of the date, read as if it were UTC.
    public let localMidnight: Timestamp
    /// Daylight time start and end instants (UTC) of the date's year.
    public let daylightStart: Timestamp
    public let daylightEnd: Timestamp

    /// The conversion for a calendar date; `nil` for an invalid date.
    public init?(year: Int, month: Int, day: Int) {
        guard let midnight = Timestamp(year: year, month: month, day: day),
              let start = Timestamp(year: year, month: 3, day: Self.sunday(year: year, month: 3, ordinal: 2), hour: 7),
              let end = Timestamp(year: year, month: 11, day: Self.sunday(year: year, month: 11, ordinal: 1), hour: 6)
        else { return nil }
        localMidnight = midnight
        daylightStart = start
        daylightEnd = end
    }

    /// The UTC instant of `milliseconds` after local midnight.
    @inlinable
    public func utc(millisecondsSinceMidnight milliseconds: Int64) -> Timestamp {
        utc(nanosecondsSinceMidnight: milliseconds &* 1_000_000)
    }

    /// The UTC instant of `nanoseconds` after local midnight.
    @inlinable
    public func utc(nanosecondsSinceMidnight nanoseconds: Int64) -> Timestamp {
        let local = localMidnight.nanosecondsSinceEpoch &+ nanoseconds
        let hour: Int64 = 3_600_000_000_000
        let ifDaylight = local &+ 4 &* hour
        if ifDaylight >= daylightStart.nanosecondsSinceEpoch && ifDaylight < daylightEnd.nanosecondsSinceEpoch {
            return Timestamp(nanosecondsSinceEpoch: ifDaylight)
        }
        return Timestamp(nanosecondsSinceEpoch: local &+ 5 &* hour)
    }

    /// UTC offset in hours (−4 or −5) at local `milliseconds` after midnight.
    public func offsetHours(millisecondsSinceMidnight milliseconds: Int64) -> Int {
        let local = localMidnight.nanosecondsSinceEpoch + milliseconds * 1_000_000
        return Int((local - utc(millisecondsSinceMidnight: milliseconds).nanosecondsSinceEpoch) / 3_600_000_000_000)
    }

    /// Day of month of the `ordinal`-th Sunday (1 = first) of a month.
    static func sunday(year: Int, month: Int, ordinal: Int) -> Int {
        guard let first = Timestamp(year: year, month: month, day: 1) else { return 1 }
        let days = first.nanosecondsSinceEpoch / 86_400_000_000_000
        // 1970-01-01 was a Thursday (weekday 4 with Sunday = 0).
        let weekday = Int(((days + 4) % 7 + 7) % 7)
        return 1 + (7 - weekday) % 7 + 7 * (ordinal - 1)
    }
}
