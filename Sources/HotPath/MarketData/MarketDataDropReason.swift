import PeregrineCore

/// Why the pre-processing stage dropped a market event. Every drop is counted by reason
/// (and recorded in the journal), never silently lost.
@frozen
public enum MarketDataDropReason: UInt8, Sendable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    /// The instrument is not in the trading universe.
    case notInUniverse = 1
    /// The vendor flagged the print as suspicious.
    case vendorSuspicious = 2
    /// Price jumped beyond the allowed band around a rolling reference.
    case priceSpike = 3
    /// Bid above ask (crossed) or equal (locked), where the filter refuses those.
    case crossedOrLocked = 4
    /// Older than the staleness limit when it arrived.
    case stale = 5
    /// Sequence number at or below one already processed.
    case outOfSequence = 6
    /// Zero or negative size, or non-positive price.
    case badSizeOrPrice = 7
    /// Bytes that did not decode (malformed frame or field).
    case malformed = 8

    public var description: String {
        switch self {
        case .notInUniverse: return "not-in-universe"
        case .vendorSuspicious: return "vendor-suspicious"
        case .priceSpike: return "price-spike"
        case .crossedOrLocked: return "crossed-or-locked"
        case .stale: return "stale"
        case .outOfSequence: return "out-of-sequence"
        case .badSizeOrPrice: return "bad-size-or-price"
        case .malformed: return "malformed"
        }
    }
}
