import PeregrineCore

/// When a session runs: a daily window (start and end time of day in a fixed UTC offset)
/// on selected weekdays. Data the session consults on every timer tick; no allocation.
///
/// A window whose end is before its start runs overnight (e.g. 17:00–16:59 New York for
/// futures); its weekday is the day it starts. `sessionStart(containing:)` is the instant
/// the current window opened: a store created before it belongs to an earlier session, so
/// the sequence numbers reset (QuickFIX's daily reset).
///
/// A weekly window (QuickFIX StartDay/EndDay, built with `weekly`) opens once a week at
/// `startWeekday` + `startSecondOfDay` and closes at `endWeekday` + `endSecondOfDay`; the
/// sequence numbers then reset weekly.
public struct FIXSessionSchedule: Sendable, Equatable {
    /// Window start, seconds after local midnight.
    public var startSecondOfDay: Int
    /// Window end (inclusive), seconds after local midnight.
    public var endSecondOfDay: Int
    /// Weekdays the window opens on: bit 0 Sunday … bit 6 Saturday.
    public var weekdays: UInt8
    /// Local time minus UTC, in seconds (e.g. −18000 for EST).
    public var utcOffsetSeconds: Int
    /// Never closes and never resets by day (the conformance acceptor's setting).
    public var isAlwaysOpen: Bool
    /// Weekly window: the weekday it opens (0 Sunday … 6 Saturday), or −1 for daily windows.
    public var startWeekday = -1
    /// Weekly window: the weekday it closes (0 Sunday … 6 Saturday), or −1.
    public var endWeekday = -1

    /// Always in session.
    public static let always = FIXSessionSchedule(startSecondOfDay: 0, endSecondOfDay: 86_399, weekdays: 0x7F,
                                                  utcOffsetSeconds: 0, isAlwaysOpen: true)

    public init(startSecondOfDay: Int, endSecondOfDay: Int, weekdays: UInt8 = 0x7F, utcOffsetSeconds: Int = 0,
                isAlwaysOpen: Bool = false) {
        precondition((0..<86_400).contains(startSecondOfDay) && (0..<86_400).contains(endSecondOfDay),
                     "time of day out of range")
        self.startSecondOfDay = startSecondOfDay
        self.endSecondOfDay = endSecondOfDay
        self.weekdays = weekdays
        self.utcOffsetSeconds = utcOffsetSeconds
        self.isAlwaysOpen = isAlwaysOpen
    }

    /// A weekly window from `startWeekday` at `startSecondOfDay` to `endWeekday` at
    /// `endSecondOfDay` (inclusive), local time `utcOffsetSeconds` from UTC; the same start
    /// and end is the whole week. Weekdays 0 Sunday … 6 Saturday.
    public static func weekly(startWeekday: Int, startSecondOfDay: Int, endWeekday: Int, endSecondOfDay: Int,
                              utcOffsetSeconds: Int = 0) -> FIXSessionSchedule {
        precondition((0..<7).contains(startWeekday) && (0..<7).contains(endWeekday), "weekday out of range")
        var schedule = FIXSessionSchedule(startSecondOfDay: startSecondOfDay, endSecondOfDay: endSecondOfDay,
                                          weekdays: 0x7F, utcOffsetSeconds: utcOffsetSeconds)
        schedule.startWeekday = startWeekday
        schedule.endWeekday = endWeekday
        return schedule
    }

    /// Parses "HH:MM:SS" into seconds of the day, or `nil`.
    public static func secondOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]), let s = Int(parts[2]),
              (0..<24).contains(h), (0..<60).contains(m), (0..<60).contains(s) else { return nil }
        return h * 3600 + m * 60 + s
    }

    /// Whether `time` is inside a window.
    public func isInSession(_ time: Timestamp) -> Bool { sessionStart(containing: time) != nil }

    /// The instant the window containing `time` opened, or `nil` outside every window.
    public func sessionStart(containing time: Timestamp) -> Timestamp? {
        if isAlwaysOpen { return Timestamp.zero }
        let local = time.nanosecondsSinceEpoch / 1_000_000_000 + Int64(utcOffsetSeconds)
        if startWeekday >= 0 { return weeklyStart(local: local) }
        var day = local / 86_400
        var second = Int(local % 86_400)
        if second < 0 { second += 86_400; day -= 1 }
        let overnight = endSecondOfDay < startSecondOfDay
        var startDay: Int64
        if !overnight {
            guard second >= startSecondOfDay && second <= endSecondOfDay else { return nil }
            startDay = day
        } else if second >= startSecondOfDay {
            startDay = day
        } else if second <= endSecondOfDay {
            startDay = day - 1
        } else {
            return nil
        }
        // 1970-01-01 was a Thursday (weekday 4 with Sunday = 0).
        var weekday = Int((startDay + 4) % 7)
        if weekday < 0 { weekday += 7 }
        guard weekdays & (1 << UInt8(weekday)) != 0 else { return nil }
        let startLocal = startDay * 86_400 + Int64(startSecondOfDay)
        return Timestamp(nanosecondsSinceEpoch: (startLocal - Int64(utcOffsetSeconds)) * 1_000_000_000)
    }

    /// The weekly window's opening containing `local` (seconds since the epoch, local time).
    func weeklyStart(local: Int64) -> Timestamp? {
        let week: Int64 = 7 * 86_400
        // Seconds since the last Sunday 00:00 (1970-01-01 was a Thursday: 4 days in).
        var secondOfWeek = (local + 4 * 86_400) % week
        if secondOfWeek < 0 { secondOfWeek += week }
        let start = Int64(startWeekday) * 86_400 + Int64(startSecondOfDay)
        let end = Int64(endWeekday) * 86_400 + Int64(endSecondOfDay)
        let sinceStart: Int64
        if start == end {
            sinceStart = (secondOfWeek - start + week) % week          // the whole week
        } else if start < end {
            guard secondOfWeek >= start && secondOfWeek <= end else { return nil }
            sinceStart = secondOfWeek - start
        } else {                                                      // wraps past Saturday
            guard secondOfWeek >= start || secondOfWeek <= end else { return nil }
            sinceStart = (secondOfWeek - start + week) % week
        }
        return Timestamp(nanosecondsSinceEpoch: (local - sinceStart - Int64(utcOffsetSeconds)) * 1_000_000_000)
    }
}
