import PeregrineCore

// # Market-data filtering and books: design note
//
// Pipeline, one thread (the feed's or the engine's), per event:
//
//     decoder (TWS / IQFeed / FIX / LEANReplay) → MarketEvent
//       → MarketDataFilter.process(&event)  → .pass / .passAfterGap  → TopOfBookTable / PriceLevelBooks
//                                            → .drop(reason)          → caller journals (MarketDataDropSink)
//
// Filter. Start-up builds flat, preallocated arrays from `MarketDataFilterConfig` (per-instrument
// rules, a universe bitset over dense instrument ids, the last sequence number per (instrument,
// venue[, kind]), and a spike window of the last N accepted trade prices per instrument kept in
// insertion and sorted order). `process` then only indexes those arrays: no allocation, lock,
// existential, String or throw; cost is a few branches plus O(N) for the spike window on trades
// (N ≤ 64, default 16). Checks run in a fixed order and the first that fails names the reason:
//
//   1. notInUniverse      instrument id outside the configured capacity or not in the bitset.
//   2. outOfSequence      sequence ≤ the last seen for its series; a jump forward passes but is
//                         flagged `.afterGap` (and counted) so the books can ask for a snapshot.
//                         `.snapshot` events re-base the series. Sequence 0 = unsequenced.
//                         Runs before the content checks so a dropped event still consumes its
//                         number and does not look like a gap to the next one.
//   3. badSizeOrPrice     trade: price ≤ 0 or size ≤ 0; quote: any side price ≤ 0 or size ≤ 0;
//                         depth: size < 0 (0 deletes), or price ≤ 0 unless a by-position delete;
//                         bar: any OHLC ≤ 0 or volume < 0.
//   4. vendorSuspicious   `.suspicious` flag, where the instrument's rules drop those.
//   5. stale              receiveTime − exchangeTime > limit (equal passes); limit 0 = off.
//   6. crossedOrLocked    quote bid > ask always; bid == ask unless the rules allow locked.
//   7. priceSpike         |price − reference| × 10 000 > band_bps × reference, where price is the
//                         trade price or the quote mid ((bid + ask) / 2, truncated) and the
//                         reference the median (upper median for an even count) of the last N
//                         accepted trades, once `spikeMinimumSamples` are in. Only accepted trades
//                         feed the window (so a bad print cannot move its own reference); after
//                         `spikeReseedAfter` consecutive spike drops the next trade re-seeds it.
//
// Median rather than EMA: one bad print that slips through (or a correct print after a gap)
// moves an EMA in proportion to its size, the median not at all, and N ≤ 64 keeps the insertion
// cost small. Drops are never silent: per-reason and per-(instrument, reason) counters are
// preallocated; the generic `process(_:dropsTo:)` hands every dropped event and its reason to a
// sink (the journal writer) — generic, so it is specialized and not an existential.
//
// Books (see `TopOfBookTable`, `PriceLevelBooks`): flat arrays sized at start-up
// (instruments × 2 sides × maxLevels). Readers run on the thread that applies the events
// (between events), so every read is a consistent snapshot without locks; `copyDepth` copies
// levels into a caller-owned, preallocated `BookDepthSnapshot` for code that keeps a view.
// A gap (`.afterGap` from the filter or a sequence jump seen by the book) or an impossible
// by-position update sets `needsSnapshot`: the book ignores incremental updates until a
// `.clearBook` or a `.snapshot`-flagged depth event arrives, and the feed polls `needsSnapshot`
// to resubscribe. By-position updates (TWS updateMktDepth insert/update/delete at a row) travel
// in a `.depth` event whose spare payload word carries the operation (`MarketEvent.depthAtPosition`).
//
// L3 (`OrderByOrderBooks`): resting orders in a fixed-capacity open-addressing `OrderTable` keyed
// by venue order id (linear probing, backward-shift deletion), aggregated per price into a
// `PriceLevelBooks`, so strategies read L3-fed and L2-fed books the same way. No MarketEvent kind
// carries single orders yet, so L3 feeds call `add`/`reduce`/`delete`/`replace` directly.
//
// Not done here: FIX/IQFeed Level 2 normalization into depth events (their decoders' job);
// cross-venue consolidation (one book per instrument is fed by one venue).

/// The normalization-stage filter: universe, sequence, size/price, vendor flag, staleness,
/// crossed/locked and price-spike checks, with every drop counted by reason and instrument.
///
/// Single-threaded: one owner thread calls `process`; it does not block or allocate, cost a few
/// nanoseconds plus O(spike window) per trade. See the design note at the top of this file.
public struct MarketDataFilter: Sendable {
    /// The configuration the filter was built from.
    public let config: MarketDataFilterConfig
    @usableFromInline let rules: [InstrumentFilterRules]
    @usableFromInline let universe: [UInt64]
    @usableFromInline let venueCapacity: Int
    @usableFromInline let streams: Int
    @usableFromInline let window: Int
    @usableFromInline let minimumSamples: Int
    @usableFromInline let reseedAfter: Int
    @usableFromInline var lastSequence: [UInt64]
    @usableFromInline var spike: SpikeWindows
    /// Drop, pass and gap counts (drained by the monitor).
    public private(set) var counters: MarketDataFilterCounters

    /// Builds the filter and preallocates all its state. Set-up only (allocates).
    public init(config: MarketDataFilterConfig) {
        self.config = config
        rules = config.rules
        var bits = [UInt64](repeating: 0, count: (config.instrumentCapacity + 63) / 64)
        for (i, r) in config.rules.enumerated() where r.inUniverse { bits[i >> 6] |= 1 << UInt64(i & 63) }
        universe = bits
        venueCapacity = config.venueCapacity
        streams = config.sequencePerKind ? 3 : 1
        window = config.spikeWindow
        minimumSamples = config.spikeMinimumSamples
        reseedAfter = config.spikeReseedAfter
        lastSequence = [UInt64](repeating: 0, count: config.instrumentCapacity * max(config.venueCapacity, 1) * streams)
        spike = SpikeWindows(instruments: config.instrumentCapacity, window: config.spikeWindow)
        counters = MarketDataFilterCounters(instruments: config.instrumentCapacity)
    }

    /// Checks `event`; sets `.afterGap` on it when its sequence jumped. Does not allocate.
    public mutating func process(_ event: inout MarketEvent) -> FilterVerdict {
        let verdict = check(&event)
        counters.record(verdict, instrument: event.instrument)
        return verdict
    }

    /// As `process(_:)`, and hands a dropped event to `sink` with its reason.
    @inlinable
    public mutating func process<Sink: MarketDataDropSink>(_ event: inout MarketEvent, dropsTo sink: inout Sink) -> FilterVerdict {
        let verdict = process(&event)
        if case .drop(let reason) = verdict { sink.onDrop(event, reason: reason) }
        return verdict
    }

    /// The rolling spike reference (median of the window) for `instrument`, or `nil` while the
    /// window holds fewer than `spikeMinimumSamples` trades.
    public func spikeReference(_ instrument: InstrumentId) -> Price? {
        let i = instrument.index
        guard i >= 0, i < rules.count, spike.count(i) >= minimumSamples else { return nil }
        return Price(rawValue: spike.median(i))
    }

    /// Whether `instrument` is in the universe bitset.
    @inlinable
    public func isInUniverse(_ instrument: InstrumentId) -> Bool {
        let i = Int(instrument.rawValue)
        guard i < rules.count else { return false }
        return universe[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    @usableFromInline
    mutating func check(_ event: inout MarketEvent) -> FilterVerdict {
        guard isInUniverse(event.instrument) else { return .drop(.notInUniverse) }
        let i = event.instrument.index
        let r = rules[i]
        let flags = MarketEventFlags(rawValue: event.flags)

        // 2. Sequence, before content checks so dropped events still consume their number.
        var gap = false
        let sequence = event.sequence
        let venue = Int(event.venue.rawValue)
        if sequence != 0 && venue < venueCapacity {
            var stream = 0
            if streams == 3 {
                switch event.kind {
                case .quote: stream = 1
                case .depth: stream = 2
                default: stream = 0
                }
            }
            let slot = (i * venueCapacity + venue) * streams + stream
            let last = lastSequence[slot]
            if !flags.contains(.snapshot) && last != 0 {
                if sequence <= last { return .drop(.outOfSequence) }
                gap = sequence != last &+ 1
            }
            lastSequence[slot] = sequence
        }

        // 3. Sizes and prices.
        switch event.kind {
        case .trade:
            if event.price.rawValue <= 0 || event.quantity.rawValue <= 0 { return .drop(.badSizeOrPrice) }
        case .quote:
            if event.bidPrice.rawValue <= 0 || event.askPrice.rawValue <= 0
                || event.bidQuantity.rawValue <= 0 || event.askQuantity.rawValue <= 0 { return .drop(.badSizeOrPrice) }
        case .depth:
            // A by-position delete needs no price (TWS may send 0).
            if (event.price.rawValue <= 0 && event.word4 != BookDepthOperation.delete.rawValue)
                || event.quantity.rawValue < 0 { return .drop(.badSizeOrPrice) }
        case .bar:
            if event.open.rawValue <= 0 || event.high.rawValue <= 0 || event.low.rawValue <= 0
                || event.close.rawValue <= 0 || event.volume.rawValue < 0 { return .drop(.badSizeOrPrice) }
        case .status, .clearBook:
            break
        }

        // 4. Vendor flag; 5. staleness.
        if r.dropSuspicious && flags.contains(.suspicious) { return .drop(.vendorSuspicious) }
        if r.staleLimit.count > 0 && event.exchangeTime.nanosecondsSinceEpoch != 0
            && event.receiveTime - event.exchangeTime > r.staleLimit { return .drop(.stale) }

        // 6. Crossed / locked; 7. spikes.
        let band = r.spikeBandBasisPoints
        switch event.kind {
        case .quote:
            let bid = event.bidPrice.rawValue, ask = event.askPrice.rawValue
            if bid > ask || (bid == ask && !r.allowLocked) { return .drop(.crossedOrLocked) }
            if band > 0 && spike.count(i) >= minimumSamples
                && SpikeWindows.isSpike(bid / 2 + ask / 2 + (bid & ask & 1)  /* (bid + ask) / 2 without overflow */, reference: spike.median(i), bandBasisPoints: band) {
                return .drop(.priceSpike)
            }
        case .trade:
            let price = event.price.rawValue
            if band > 0 && spike.count(i) >= minimumSamples
                && SpikeWindows.isSpike(price, reference: spike.median(i), bandBasisPoints: band) {
                if reseedAfter == 0 || spike.consecutiveSpikes[i] < reseedAfter {
                    spike.consecutiveSpikes[i] += 1
                    return .drop(.priceSpike)
                }
                spike.reseed(i, price: price)
                counters.spikeReseeds += 1
            } else {
                spike.insert(i, price: price)
            }
        default:
            break
        }

        if gap {
            event.flags |= MarketEventFlags.afterGap.rawValue
            return .passAfterGap
        }
        return .pass
    }
}
