/// Writes IQFeed client commands (PROTOCOL.md §1, §2) into a caller-provided buffer.
///
/// Every command ends with `\r\n`. Each function returns the bytes written, or `nil` (and
/// writes nothing usable) if the buffer is too small. No allocation: symbols are read through
/// their UTF-8 view. Any thread.
public enum IQFeedCommands {
    /// `S,SET PROTOCOL,6.2`.
    public static func setProtocol(_ version: StaticString = "6.2", into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("S,SET PROTOCOL,"); w.append(version); return w.finish()
    }
    /// `S,SET CLIENT NAME,<name>`.
    public static func setClientName(_ name: String, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("S,SET CLIENT NAME,"); w.append(name); return w.finish()
    }
    /// `w<SYM>`: watch trades and quotes.
    public static func watch(_ symbol: String, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("w"); w.append(symbol); return w.finish()
    }
    /// `t<SYM>`: watch trades only.
    public static func watchTrades(_ symbol: String, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("t"); w.append(symbol); return w.finish()
    }
    /// `r<SYM>`: stop watching.
    public static func unwatch(_ symbol: String, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("r"); w.append(symbol); return w.finish()
    }
    /// `f<SYM>`: force a new F and P.
    public static func refresh(_ symbol: String, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("f"); w.append(symbol); return w.finish()
    }
    /// `S,TIMESTAMPSON` / `S,TIMESTAMPSOFF`.
    public static func timestamps(_ on: Bool, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append(on ? "S,TIMESTAMPSON" : "S,TIMESTAMPSOFF"); return w.finish()
    }
    /// `S,REQUEST CURRENT UPDATE FIELDNAMES`.
    public static func requestCurrentUpdateFieldNames(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("S,REQUEST CURRENT UPDATE FIELDNAMES"); return w.finish()
    }
    /// `S,SELECT UPDATE FIELDS,<f1>,…` from layout roles (Symbol is always first).
    public static func selectUpdateFields(_ fields: [IQFeedUpdateLayout.Field], into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("S,SELECT UPDATE FIELDS")
        for f in fields where f != .ignored { w.append(","); w.append(f.name) }
        return w.finish()
    }

    // MARK: History lookup (port 9100)

    /// `HTX,[Symbol],[MaxDatapoints],[DataDirection],[RequestID],[DatapointsPerSend]`.
    public static func historyTicks(_ symbol: String, maxDatapoints: Int?, oldestFirst: Bool, requestId: String,
                                    datapointsPerSend: Int?, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("HTX,"); w.append(symbol); w.field(maxDatapoints); w.field(oldestFirst ? 1 : 0)
        w.append(","); w.append(requestId); w.field(datapointsPerSend); return w.finish()
    }
    /// `HTD,[Symbol],[Days],[MaxDatapoints],[BeginFilterTime],[EndFilterTime],[DataDirection],[RequestID],[DatapointsPerSend]`.
    public static func historyTickDays(_ symbol: String, days: Int, maxDatapoints: Int?, beginFilterTime: Int?, endFilterTime: Int?,
                                       oldestFirst: Bool, requestId: String, datapointsPerSend: Int?,
                                       into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("HTD,"); w.append(symbol); w.field(days); w.field(maxDatapoints)
        w.time(beginFilterTime); w.time(endFilterTime); w.field(oldestFirst ? 1 : 0)
        w.append(","); w.append(requestId); w.field(datapointsPerSend); return w.finish()
    }
    /// `HTT,[Symbol],[Begin],[End],[MaxDatapoints],[BeginFilterTime],[EndFilterTime],[DataDirection],[RequestID],[DatapointsPerSend]`.
    /// `begin`/`end` are (yyyymmdd, hhmmss), Eastern.
    public static func historyTickRange(_ symbol: String, begin: (date: Int, time: Int)?, end: (date: Int, time: Int)?,
                                        maxDatapoints: Int?, beginFilterTime: Int?, endFilterTime: Int?, oldestFirst: Bool,
                                        requestId: String, datapointsPerSend: Int?,
                                        into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("HTT,"); w.append(symbol); w.dateTime(begin); w.dateTime(end); w.field(maxDatapoints)
        w.time(beginFilterTime); w.time(endFilterTime); w.field(oldestFirst ? 1 : 0)
        w.append(","); w.append(requestId); w.field(datapointsPerSend); return w.finish()
    }
    /// `HIX,[Symbol],[Interval],[MaxDatapoints],[DataDirection],[RequestID],[DatapointsPerSend],[IntervalType],[LabelAtBeginning]`.
    public static func historyIntervals(_ symbol: String, interval: Int, maxDatapoints: Int?, oldestFirst: Bool, requestId: String,
                                        datapointsPerSend: Int?, intervalType: IQFeedIntervalType, labelAtBeginning: Bool,
                                        into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("HIX,"); w.append(symbol); w.field(interval); w.field(maxDatapoints); w.field(oldestFirst ? 1 : 0)
        w.append(","); w.append(requestId); w.field(datapointsPerSend); w.append(","); w.append(intervalType.code)
        w.field(labelAtBeginning ? 1 : 0); return w.finish()
    }
    /// `HID,[Symbol],[Interval],[Days],[MaxDatapoints],[BeginFilterTime],[EndFilterTime],[DataDirection],[RequestID],[DatapointsPerSend],[IntervalType],[LabelAtBeginning]`.
    public static func historyIntervalDays(_ symbol: String, interval: Int, days: Int, maxDatapoints: Int?, beginFilterTime: Int?,
                                           endFilterTime: Int?, oldestFirst: Bool, requestId: String, datapointsPerSend: Int?,
                                           intervalType: IQFeedIntervalType, labelAtBeginning: Bool,
                                           into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("HID,"); w.append(symbol); w.field(interval); w.field(days); w.field(maxDatapoints)
        w.time(beginFilterTime); w.time(endFilterTime); w.field(oldestFirst ? 1 : 0)
        w.append(","); w.append(requestId); w.field(datapointsPerSend); w.append(","); w.append(intervalType.code)
        w.field(labelAtBeginning ? 1 : 0); return w.finish()
    }
    /// `HIT,[Symbol],[Interval],[Begin],[End],[MaxDatapoints],[BeginFilterTime],[EndFilterTime],[DataDirection],[RequestID],[DatapointsPerSend],[IntervalType],[LabelAtBeginning]`.
    public static func historyIntervalRange(_ symbol: String, interval: Int, begin: (date: Int, time: Int)?, end: (date: Int, time: Int)?,
                                            maxDatapoints: Int?, beginFilterTime: Int?, endFilterTime: Int?, oldestFirst: Bool,
                                            requestId: String, datapointsPerSend: Int?, intervalType: IQFeedIntervalType,
                                            labelAtBeginning: Bool, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("HIT,"); w.append(symbol); w.field(interval); w.dateTime(begin); w.dateTime(end); w.field(maxDatapoints)
        w.time(beginFilterTime); w.time(endFilterTime); w.field(oldestFirst ? 1 : 0)
        w.append(","); w.append(requestId); w.field(datapointsPerSend); w.append(","); w.append(intervalType.code)
        w.field(labelAtBeginning ? 1 : 0); return w.finish()
    }
    /// `HDX` (daily), `HWX` (weekly), `HMX` (monthly): `[Symbol],[MaxDatapoints],[DataDirection],[RequestID],[DatapointsPerSend]`.
    public static func historyPeriods(_ period: IQFeedPeriod, _ symbol: String, maxDatapoints: Int?, oldestFirst: Bool,
                                      requestId: String, datapointsPerSend: Int?,
                                      into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append(period.command); w.append(","); w.append(symbol); w.field(maxDatapoints); w.field(oldestFirst ? 1 : 0)
        w.append(","); w.append(requestId); w.field(datapointsPerSend); return w.finish()
    }
    /// `HDT,[Symbol],[BeginDate],[EndDate],[MaxDatapoints],[DataDirection],[RequestID],[DatapointsPerSend]`.
    public static func historyDailyRange(_ symbol: String, beginDate: Int?, endDate: Int?, maxDatapoints: Int?, oldestFirst: Bool,
                                         requestId: String, datapointsPerSend: Int?,
                                         into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = IQFeedCommandWriter(buffer)
        w.append("HDT,"); w.append(symbol); w.field(beginDate); w.field(endDate); w.field(maxDatapoints)
        w.field(oldestFirst ? 1 : 0); w.append(","); w.append(requestId); w.field(datapointsPerSend); return w.finish()
    }
}

/// Interval type of HIX/HID/HIT: seconds, volume or ticks per bar.
public enum IQFeedIntervalType: UInt8, Sendable {
    case seconds, volume, ticks
    var code: StaticString {
        switch self { case .seconds: return "s"; case .volume: return "v"; case .ticks: return "t" }
    }
}

/// Period of HDX/HWX/HMX.
public enum IQFeedPeriod: UInt8, Sendable {
    case daily, weekly, monthly
    var command: StaticString {
        switch self { case .daily: return "HDX"; case .weekly: return "HWX"; case .monthly: return "HMX" }
    }
}

/// Appends ASCII into a fixed buffer, remembering overflow instead of trapping.
struct IQFeedCommandWriter {
    let buffer: UnsafeMutableRawBufferPointer
    var count = 0
    var overflow = false

    init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    mutating func byte(_ b: UInt8) {
        guard count < buffer.count else { overflow = true; return }
        buffer[count] = b
        count += 1
    }
    mutating func append(_ s: StaticString) {
        let p = s.utf8Start
        for i in 0..<s.utf8CodeUnitCount { byte(p[i]) }
    }
    mutating func append(_ s: String) { for b in s.utf8 { byte(b) } }
    mutating func integer(_ v: Int, width: Int = 0) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var m = v.magnitude
        if v < 0 { byte(UInt8(ascii: "-")) }
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[n] = UInt8(48 + m % 10); m /= 10; n += 1 } while m > 0 && n < 20
            while n < width && n < 20 { d[n] = 48; n += 1 }
            for i in stride(from: n - 1, through: 0, by: -1) { byte(d[i]) }
        }
    }
    /// `,<v>` or `,` for nil.
    mutating func field(_ v: Int?) {
        byte(UInt8(ascii: ","))
        if let v { integer(v) }
    }
    /// `,HHMMSS` (zero-padded) or `,`.
    mutating func time(_ v: Int?) {
        byte(UInt8(ascii: ","))
        if let v { integer(v, width: 6) }
    }
    /// `,YYYYMMDD HHMMSS` or `,`.
    mutating func dateTime(_ v: (date: Int, time: Int)?) {
        byte(UInt8(ascii: ","))
        if let v { integer(v.date, width: 8); byte(UInt8(ascii: " ")); integer(v.time, width: 6) }
    }
    mutating func finish() -> Int? {
        byte(13); byte(10)
        return overflow ? nil : count
    }
}
