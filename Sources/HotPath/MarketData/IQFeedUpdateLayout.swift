/// Which Level 1 update field sits at which position of a `P`/`Q` line (the dynamic fieldset).
///
/// Position 0 is always `Symbol`. Built from the answer to `S,REQUEST CURRENT UPDATE FIELDNAMES`
/// or `S,SELECT UPDATE FIELDS` (`S,CURRENT UPDATE FIELDNAMES,…`), never hard-coded; `standard`
/// is the default 6.2 set (PROTOCOL.md §1). Fields the decoder does not use map to `.ignored`.
/// `apply(currentUpdateFieldNames:)` re-maps in place without allocating.
public struct IQFeedUpdateLayout: Sendable, Equatable {
    /// Field roles the decoder reads.
    public enum Field: UInt8, Sendable, CaseIterable {
        case ignored = 0, symbol, lastPrice, lastSize, lastTime, lastMarketCenter, totalVolume,
             bid, bidSize, ask, askSize, open, high, low, close, messageContents, lastConditions,
             lastDate, bidTime, askTime, tickId

        /// The IQFeed field name for the role.
        public var name: StaticString {
            switch self {
            case .ignored: return ""
            case .symbol: return "Symbol"
            case .lastPrice: return "Most Recent Trade"
            case .lastSize: return "Most Recent Trade Size"
            case .lastTime: return "Most Recent Trade Time"
            case .lastMarketCenter: return "Most Recent Trade Market Center"
            case .totalVolume: return "Total Volume"
            case .bid: return "Bid"
            case .bidSize: return "Bid Size"
            case .ask: return "Ask"
            case .askSize: return "Ask Size"
            case .open: return "Open"
            case .high: return "High"
            case .low: return "Low"
            case .close: return "Close"
            case .messageContents: return "Message Contents"
            case .lastConditions: return "Most Recent Trade Conditions"
            case .lastDate: return "Most Recent Trade Date"
            case .bidTime: return "Bid Time"
            case .askTime: return "Ask Time"
            case .tickId: return "TickID"
            }
        }
    }

    /// The role of a stored raw value (`.ignored` for an unknown one), without a call to the
    /// synthesized `init(rawValue:)` (which the decoder's large loop left out of line).
    @inline(__always)
    static func field(raw: UInt8) -> Field {
        // SAFETY: `Field` has no payloads and its cases are declared in raw-value order 0…20,
        // so a case's in-memory tag is its raw value (checked once in `init(fieldNames:)`).
        raw <= Field.tickId.rawValue ? unsafeBitCast(raw, to: Field.self) : .ignored
    }

    /// Most positions a layout may have (IQFeed offers about 75 selectable fields).
    public static let maximumFields = 128

    /// Role per position (index 0 = Symbol); positions past `count` are ignored.
    @usableFromInline var roles: [UInt8]
    public private(set) var count: Int

    /// A layout from field names in order (set-up; `Symbol` is prepended if missing).
    public init(fieldNames: [String]) {
        precondition(Field.allCases.allSatisfy { unsafeBitCast($0.rawValue, to: Field.self) == $0 }
                     && Field.allCases.last == .tickId, "IQFeedUpdateLayout.Field tags must equal raw values")
        roles = [UInt8](repeating: 0, count: Self.maximumFields)
        count = 0
        var names = fieldNames
        if names.first != "Symbol" { names.insert("Symbol", at: 0) }
        for name in names.prefix(Self.maximumFields) {
            let utf8 = Array(name.utf8)
            let role = utf8.withUnsafeBytes { Self.role(of: $0) }
            roles[count] = role.rawValue
            count += 1
        }
    }

    /// The default 6.2 set: Symbol … Most Recent Trade Conditions (16 fields).
    public static let standard = IQFeedUpdateLayout(fieldNames: [
        "Symbol", "Most Recent Trade", "Most Recent Trade Size", "Most Recent Trade Time",
        "Most Recent Trade Market Center", "Total Volume", "Bid", "Bid Size", "Ask", "Ask Size",
        "Open", "High", "Low", "Close", "Message Contents", "Most Recent Trade Conditions",
    ])

    /// The role at `position` (0 = Symbol).
    @inlinable
    public func field(at position: Int) -> Field {
        position < count ? Field(rawValue: roles[position]) ?? .ignored : .ignored
    }

    /// Re-maps from the field names after the first two fields of an
    /// `S,CURRENT UPDATE FIELDNAMES,Symbol,…` line; `false` (layout unchanged) if malformed.
    public mutating func apply(currentUpdateFieldNames line: UnsafeRawBufferPointer) -> Bool {
        var scanner = IQFeedFieldScanner(line)
        guard let s = scanner.next(), IQFeedText.equals(s, "S"),
              let title = scanner.next(), IQFeedText.equals(title, "CURRENT UPDATE FIELDNAMES") else { return false }
        var n = 0
        var pending = scanner
        // Validate first so a bad line leaves the layout intact.
        while let f = pending.next() {
            if f.count == 0 { continue }
            n += 1
        }
        guard n > 0, n <= Self.maximumFields else { return false }
        count = 0
        while let f = scanner.next() {
            if f.count == 0 { continue }
            roles[count] = Self.role(of: f).rawValue
            count += 1
        }
        return true
    }

    static func role(of name: UnsafeRawBufferPointer) -> Field {
        for f in Field.allCases where f != .ignored && IQFeedText.equals(name, f.name) { return f }
        return .ignored
    }
}
