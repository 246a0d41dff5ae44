import PeregrineCore

/// How a `MatchingEngine` is sized and which rules it applies.
public struct MatchingEngineConfiguration: Sendable {
    /// The one instrument this book trades; commands for others are rejected.
    public var instrument: InstrumentId
    /// The venue id stamped on every report and market event.
    public var venue: VenueId
    public var rules: VenueInstrumentRules
    /// What happens when an incoming order would trade with a resting order of the same account.
    public var selfTradePrevention: SelfTradePrevention
    /// Live orders (resting, pending stops and the one being matched) held at once; at most 2²⁴.
    public var orderCapacity: Int
    /// Distinct price levels per side held at once.
    public var levelCapacity: Int
    /// Pending stop orders per side held at once.
    public var stopCapacity: Int

    public init(instrument: InstrumentId, venue: VenueId = VenueId(rawValue: 0), rules: VenueInstrumentRules = VenueInstrumentRules(),
                selfTradePrevention: SelfTradePrevention = .cancelResting, orderCapacity: Int = 65_536,
                levelCapacity: Int = 4_096, stopCapacity: Int = 1_024) {
        precondition(orderCapacity > 0 && orderCapacity <= 1 << 24, "order capacity must be in 1...2^24")
        precondition(levelCapacity > 0 && stopCapacity > 0)
        self.instrument = instrument; self.venue = venue; self.rules = rules
        self.selfTradePrevention = selfTradePrevention; self.orderCapacity = orderCapacity
        self.levelCapacity = levelCapacity; self.stopCapacity = stopCapacity
    }
}
