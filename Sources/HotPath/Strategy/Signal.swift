import PeregrineCore

/// An alpha model's view on one instrument: a direction and strength in [-1, 1] with a
/// confidence in [0, 1], stamped with the event time it was formed at.
@frozen
public struct Signal: Sendable, BitwiseCopyable, Equatable {
    public var instrument: InstrumentId
    /// −1 (strong sell) … +1 (strong buy).
    public var strength: Double
    /// 0 (no confidence) … 1.
    public var confidence: Double
    public var time: Timestamp

    @inlinable
    public init(instrument: InstrumentId, strength: Double, confidence: Double, time: Timestamp) {
        self.instrument = instrument
        self.strength = max(-1, min(1, strength))
        self.confidence = max(0, min(1, confidence))
        self.time = time
    }
}
