/// Why the pre-trade risk stage refused an order. Every decision carries one code, so
/// operators and the journal can count rejects by reason without strings.
@frozen
public enum RiskRejectReason: UInt8, Sendable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    case instrumentDisabled = 1
    case instrumentRestricted = 2
    case invalidSide = 3
    case invalidOrderType = 4
    case invalidQuantity = 5
    case invalidPrice = 6
    case maxOrderQuantity = 7
    case maxOrderNotional = 8
    case priceCollar = 9
    case staleReferencePrice = 10
    case venuePriceBand = 11
    case positionLimit = 12
    case grossExposure = 13
    case netExposure = 14
    case creditLimit = 15
    case instrumentRateLimit = 16
    case sessionRateLimit = 17
    case globalRateLimit = 18
    case orderToTradeRatio = 19
    case cancelRatio = 20
    case duplicateOrder = 21
    case selfMatch = 22
    case lossLimit = 23
    case drawdownLimit = 24
    case modelRiskScore = 25
    case killSwitch = 26
    case reduceOnly = 27
    case unknownOrder = 28
    /// The order's account has no configured limits (ids beyond the limits table).
    case unknownAccount = 29
    /// The preallocated open-order table is full; raise `max_open_orders`.
    case openOrderCapacity = 30

    /// Looks a reason up by its `description` (configuration files); `nil` if unknown.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = match
    }

    public var description: String {
        switch self {
        case .instrumentDisabled: return "instrument-disabled"
        case .instrumentRestricted: return "instrument-restricted"
        case .invalidSide: return "invalid-side"
        case .invalidOrderType: return "invalid-order-type"
        case .invalidQuantity: return "invalid-quantity"
        case .invalidPrice: return "invalid-price"
        case .maxOrderQuantity: return "max-order-quantity"
        case .maxOrderNotional: return "max-order-notional"
        case .priceCollar: return "price-collar"
        case .staleReferencePrice: return "stale-reference-price"
        case .venuePriceBand: return "venue-price-band"
        case .positionLimit: return "position-limit"
        case .grossExposure: return "gross-exposure"
        case .netExposure: return "net-exposure"
        case .creditLimit: return "credit-limit"
        case .instrumentRateLimit: return "instrument-rate-limit"
        case .sessionRateLimit: return "session-rate-limit"
        case .globalRateLimit: return "global-rate-limit"
        case .orderToTradeRatio: return "order-to-trade-ratio"
        case .cancelRatio: return "cancel-ratio"
        case .duplicateOrder: return "duplicate-order"
        case .selfMatch: return "self-match"
        case .lossLimit: return "loss-limit"
        case .drawdownLimit: return "drawdown-limit"
        case .modelRiskScore: return "model-risk-score"
        case .killSwitch: return "kill-switch"
        case .reduceOnly: return "reduce-only"
        case .unknownOrder: return "unknown-order"
        case .unknownAccount: return "unknown-account"
        case .openOrderCapacity: return "open-order-capacity"
        }
    }
}
