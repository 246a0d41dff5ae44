import PeregrineCore

/// The rules the filter applies to one instrument; plain values fixed at start-up.
@frozen
public struct InstrumentFilterRules: Sendable, BitwiseCopyable, Equatable {
    /// Whether the instrument is in the trading universe (events of others drop as `.notInUniverse`).
    public var inUniverse: Bool
    /// Drop events the vendor flagged `.suspicious`.
    public var dropSuspicious: Bool
    /// Largest allowed distance of a trade price (or quote mid) from the rolling reference, in
    /// basis points of the reference; 0 turns the spike check off.
    public var spikeBandBasisPoints: Int64
    /// Largest allowed `receiveTime − exchangeTime`; zero turns the staleness check off.
    public var staleLimit: Nanoseconds
    /// Pass quotes with bid == ask (locked). Crossed quotes (bid > ask) always drop.
    public var allowLocked: Bool

    public init(inUniverse: Bool = false, dropSuspicious: Bool = true, spikeBandBasisPoints: Int64 = 0,
                staleLimit: Nanoseconds = .zero, allowLocked: Bool = true) {
        self.inUniverse = inUniverse
        self.dropSuspicious = dropSuspicious
        self.spikeBandBasisPoints = spikeBandBasisPoints
        self.staleLimit = staleLimit
        self.allowLocked = allowLocked
    }
}

/// Start-up configuration of `MarketDataFilter`: sizes, the spike reference, and the rules of
/// every instrument (dense ids below `instrumentCapacity`).
///
/// Built in code or parsed from a `key = value` file (`MarketDataFilterConfig.parse`). Set-up
/// only: the filter copies these values into flat arrays once.
public struct MarketDataFilterConfig: Sendable, Equatable {
    /// Largest spike window the filter supports (the median is kept by insertion, O(window)).
    public static let maximumSpikeWindow = 64

    /// Dense instrument ids handled: `0..<instrumentCapacity`.
    public let instrumentCapacity: Int
    /// Venue ids whose sequence numbers are checked: `0..<venueCapacity`; others are not checked.
    public var venueCapacity: Int
    /// The spike reference is the median of the last `spikeWindow` accepted trade prices.
    public var spikeWindow: Int
    /// The spike check starts once this many trades are in the window.
    public var spikeMinimumSamples: Int
    /// After this many consecutive spike drops on one instrument, the next trade is taken as a
    /// new level: it passes and re-seeds the window. 0 = never (every spike drops).
    public var spikeReseedAfter: Int
    /// Keep one sequence series per (instrument, venue, trade|quote|depth) instead of one per
    /// (instrument, venue): for feeds that number each kind separately (LEAN files do).
    public var sequencePerKind: Bool
    /// Per-instrument rules, indexed by `InstrumentId.index`.
    public internal(set) var rules: [InstrumentFilterRules]

    /// Every instrument gets `defaults` (out of the universe unless `defaults.inUniverse`).
    public init(instrumentCapacity: Int, venueCapacity: Int = 8, defaults: InstrumentFilterRules = InstrumentFilterRules(),
                spikeWindow: Int = 16, spikeMinimumSamples: Int = 5, spikeReseedAfter: Int = 0,
                sequencePerKind: Bool = false) {
        precondition(instrumentCapacity > 0 && venueCapacity >= 0, "capacities must be positive")
        precondition((1...Self.maximumSpikeWindow).contains(spikeWindow), "spikeWindow must be 1...\(Self.maximumSpikeWindow)")
        precondition((1...spikeWindow).contains(spikeMinimumSamples), "spikeMinimumSamples must be 1...spikeWindow")
        precondition(spikeReseedAfter >= 0, "spikeReseedAfter must not be negative")
        self.instrumentCapacity = instrumentCapacity
        self.venueCapacity = venueCapacity
        self.spikeWindow = spikeWindow
        self.spikeMinimumSamples = spikeMinimumSamples
        self.spikeReseedAfter = spikeReseedAfter
        self.sequencePerKind = sequencePerKind
        rules = [InstrumentFilterRules](repeating: defaults, count: instrumentCapacity)
    }

    /// The rules of one instrument.
    public subscript(instrument: InstrumentId) -> InstrumentFilterRules {
        get { rules[instrument.index] }
        set { rules[instrument.index] = newValue }
    }

    /// Puts `instrument` in (or out of) the universe, keeping its other rules.
    public mutating func setInUniverse(_ instrument: InstrumentId, _ member: Bool = true) {
        rules[instrument.index].inUniverse = member
    }

    /// The effective configuration, one `key = value` per line in the file syntax (printed at start-up).
    public var effectiveDescription: String {
        var lines: [String] = [
            "instruments = \(instrumentCapacity)",
            "venues = \(venueCapacity)",
            "universe = \(Self.ranges(rules.indices.filter { rules[$0].inUniverse }))",
            "spike_window = \(spikeWindow)",
            "spike_min_samples = \(spikeMinimumSamples)",
            "spike_reseed_after = \(spikeReseedAfter)",
            "sequence_per_kind = \(sequencePerKind)",
        ]
        let base = mostCommonRules
        lines += Self.ruleLines(base, prefix: "")
        for (index, rule) in rules.enumerated() where !Self.sameExceptUniverse(rule, base) {
            lines += Self.ruleLines(rule, prefix: "instrument.\(index).")
        }
        return lines.joined(separator: "\n")
    }

    var mostCommonRules: InstrumentFilterRules {
        var best = rules[0], bestCount = 0
        for candidate in rules.prefix(16) {
            let n = rules.reduce(0) { $0 + (Self.sameExceptUniverse($1, candidate) ? 1 : 0) }
            if n > bestCount { best = candidate; bestCount = n }
        }
        return best
    }

    static func sameExceptUniverse(_ a: InstrumentFilterRules, _ b: InstrumentFilterRules) -> Bool {
        a.dropSuspicious == b.dropSuspicious && a.spikeBandBasisPoints == b.spikeBandBasisPoints
            && a.staleLimit == b.staleLimit && a.allowLocked == b.allowLocked
    }

    static func ruleLines(_ r: InstrumentFilterRules, prefix: String) -> [String] {
        ["\(prefix)drop_suspicious = \(r.dropSuspicious)",
         "\(prefix)spike_band_bps = \(r.spikeBandBasisPoints)",
         "\(prefix)stale_limit_us = \(r.staleLimit.count / 1_000)",
         "\(prefix)allow_locked = \(r.allowLocked)"]
    }

    /// "0-9, 12" for [0…9, 12]; "none" for [].
    static func ranges(_ ids: [Int]) -> String {
        guard var start = ids.first else { return "none" }
        var parts: [String] = []
        var end = start
        for id in ids.dropFirst() {
            if id == end + 1 { end = id; continue }
            parts.append(start == end ? "\(start)" : "\(start)-\(end)")
            start = id; end = id
        }
        parts.append(start == end ? "\(start)" : "\(start)-\(end)")
        return parts.joined(separator: ", ")
    }
}
