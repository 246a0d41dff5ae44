/// How the simulated venue treats an incoming order that would trade against a resting
/// order of the same participant (self-trade prevention).
@frozen
public enum SelfTradePrevention: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Allow the self-trade.
    case allow = 0
    /// Cancel the resting order, continue matching the incoming one.
    case cancelResting = 1
    /// Cancel the incoming order (its remainder).
    case cancelIncoming = 2
    /// Cancel both.
    case cancelBoth = 3

    public var description: String {
        switch self {
        case .allow: return "allow"
        case .cancelResting: return "cancel-resting"
        case .cancelIncoming: return "cancel-incoming"
        case .cancelBoth: return "cancel-both"
        }
    }
}
