import PeregrineCore
import PeregrineMarketData

/// A daily window, in New York (US Eastern) local time, when the data source is expected to
/// drop: IB's nightly server reset (North America: about 23:45–00:45 ET) or a scheduled
/// IQConnect restart. Inside it a session flags drops as expected and retries at a steady
/// interval instead of backing off exponentially.
///
/// A plain value. `contains` costs two date conversions (no allocation); sessions evaluate it
/// at most once a second from `timer`.
public struct FeedResetWindow: Sendable, Equatable {
    /// Start, minutes after New York midnight (0..<1440).
    public var startMinute: Int
    /// Length in minutes (0 disables the window; at most 1440). May run past midnight.
    public var durationMinutes: Int

    /// A window starting `startMinute` after New York midnight, `durationMinutes` long (traps
    /// outside 0..<1440 and 0...1440: a configuration error).
    public init(startMinute: Int, durationMinutes: Int) {
        precondition((0..<1440).contains(startMinute) && (0...1440).contains(durationMinutes), "reset window out of range")
        self.startMinute = startMinute
        self.durationMinutes = durationMinutes
    }

    /// IB's North American nightly reset, 23:45–00:45 New York time.
    public static let interactiveBrokersNorthAmerica = FeedResetWindow(startMinute: 23 * 60 + 45, durationMinutes: 60)
    /// No window.
    public static let none = FeedResetWindow(startMinute: 0, durationMinutes: 0)

    /// Whether `time` (UTC) falls inside the window.
    public func contains(_ time: Timestamp) -> Bool {
        guard durationMinutes > 0 else { return false }
        let minute = Self.newYorkMinuteOfDay(time)
        let offset = (minute - startMinute + 1440) % 1440
        return offset < durationMinutes
    }

    /// Minutes after New York local midnight at `time` (0..<1440). On the two daylight-saving
    /// change days, times after 02:00 read one hour off (clamped to the day): good enough for
    /// a window of expected drops.
    static func newYorkMinuteOfDay(_ time: Timestamp) -> Int {
        let date = IQFeedLevel1Encoder.newYorkDate(of: time)
        guard let day = NewYorkTime(year: date / 10_000, month: date / 100 % 100, day: date % 100) else { return 0 }
        let sinceMidnight = (time - day.utc(nanosecondsSinceMidnight: 0)).count
        return Int(max(0, min(1439, sinceMidnight / 60_000_000_000)))
    }
}

/// Samples a `FeedResetWindow` at most once a second for a session's timer and says when
/// the session crossed into or out of it. One owner; no allocation.
struct FeedResetWindowTracker: Sendable {
    var nextCheck = Timestamp.zero
    private(set) var inside = false

    /// Re-arms the sampling (a session's `start`).
    mutating func restart(now: Timestamp) { nextCheck = now }

    /// The reason to report when `now` crossed the window's edge since the last sample, else nil.
    mutating func poll(now: Timestamp, window: FeedResetWindow) -> FeedHealthReason? {
        guard now >= nextCheck else { return nil }
        nextCheck = now + .seconds(1)
        let isInside = window.contains(now)
        guard isInside != inside else { return nil }
        inside = isInside
        return isInside ? .resetWindowEntered : .resetWindowLeft
    }
}
