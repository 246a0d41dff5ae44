import PeregrineCore

/// Preallocated pass, drop and gap counts of a `MarketDataFilter`, by reason and by instrument.
///
/// Updated on the filter's thread without allocating; read there, or copied out by the monitor
/// between events. Drops of an id outside the configured capacity count by reason only.
public struct MarketDataFilterCounters: Sendable, Equatable {
    /// Reason codes run 1...8; slot 0 is unused so the raw value indexes directly.
    @usableFromInline static let slots = 9
    @usableFromInline let instruments: Int
    @usableFromInline var byReason: [Int]
    @usableFromInline var byInstrument: [Int]
    /// Events that passed (including after a gap).
    public internal(set) var passed = 0
    /// Events that passed with `.afterGap` set by the sequence check.
    public internal(set) var gaps = 0
    /// Times a run of spikes was accepted as a new level (`spikeReseedAfter`).
    public internal(set) var spikeReseeds = 0

    init(instruments: Int) {
        self.instruments = instruments
        byReason = [Int](repeating: 0, count: Self.slots)
        byInstrument = [Int](repeating: 0, count: instruments * Self.slots)
    }

    mutating func record(_ verdict: FilterVerdict, instrument: InstrumentId) {
        switch verdict {
        case .pass: passed += 1
        case .passAfterGap: passed += 1; gaps += 1
        case .drop(let reason):
            let r = Int(reason.rawValue)
            byReason[r] += 1
            let i = Int(instrument.rawValue)
            if i < instruments { byInstrument[i * Self.slots + r] += 1 }
        }
    }

    /// Events dropped for `reason`.
    public func dropped(_ reason: MarketDataDropReason) -> Int { byReason[Int(reason.rawValue)] }

    /// Events of `instrument` dropped for `reason`, or for any reason when `reason` is nil.
    public func dropped(_ instrument: InstrumentId, reason: MarketDataDropReason? = nil) -> Int {
        let i = instrument.index
        guard i < instruments else { return 0 }
        if let reason { return byInstrument[i * Self.slots + Int(reason.rawValue)] }
        return byInstrument[(i * Self.slots)..<((i + 1) * Self.slots)].reduce(0, +)
    }

    /// Events dropped for any reason.
    public var totalDropped: Int { byReason.reduce(0, +) }

    /// `reason=count` for every non-zero reason, e.g. for the operator tool (allocates).
    public var summary: String {
        MarketDataDropReason.allCases.filter { dropped($0) > 0 }.map { "\($0)=\(dropped($0))" }.joined(separator: " ")
    }
}
