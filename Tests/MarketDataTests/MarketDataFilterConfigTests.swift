import Testing
import PeregrineCore
import PeregrineMarketData

@Suite("Market-data filter configuration file")
struct MarketDataFilterConfigTests {
    static let sample = """
        # filter for the demo
        instruments = 16
        venues = 3
        universe = 0-3, 7   # IBM is 7
        spike_window = 8
        spike_min_samples = 4
        spike_reseed_after = 5
        sequence_per_kind = true
        drop_suspicious = true
        spike_band_bps = 500
        stale_limit_us = 2000
        allow_locked = false
        instrument.7.spike_band_bps = 200
        instrument.7.allow_locked = true
        """

    @Test("a valid file gives the values written, defaults elsewhere, overrides per instrument")
    func valid() throws {
        let config = try MarketDataFilterConfig.parse(text: Self.sample, source: "filter.conf")
        #expect(config.instrumentCapacity == 16 && config.venueCapacity == 3)
        #expect(config.spikeWindow == 8 && config.spikeMinimumSamples == 4 && config.spikeReseedAfter == 5)
        #expect(config.sequencePerKind)
        #expect((0..<16).filter { config.rules[$0].inUniverse } == [0, 1, 2, 3, 7])
        let base = InstrumentFilterRules(inUniverse: true, dropSuspicious: true, spikeBandBasisPoints: 500,
                                         staleLimit: .milliseconds(2), allowLocked: false)
        #expect(config[InstrumentId(rawValue: 0)] == base)
        var ibm = base
        ibm.spikeBandBasisPoints = 200
        ibm.allowLocked = true
        #expect(config[InstrumentId(rawValue: 7)] == ibm)
        var outside = base
        outside.inUniverse = false
        #expect(config[InstrumentId(rawValue: 9)] == outside)
    }

    @Test("the printed effective configuration parses back to the same configuration")
    func roundTrip() throws {
        let config = try MarketDataFilterConfig.parse(text: Self.sample, source: "filter.conf")
        let again = try MarketDataFilterConfig.parse(text: config.effectiveDescription, source: "effective")
        #expect(again == config)
        #expect(config.effectiveDescription.contains("universe = 0-3, 7"))
    }

    @Test("minimal file: only instruments and universe are required")
    func minimal() throws {
        let config = try MarketDataFilterConfig.parse(text: "instruments = 2\nuniverse = none\n", source: "min.conf")
        #expect(config.spikeWindow == 16 && config.venueCapacity == 8 && !config.sequencePerKind)
        #expect(config.rules.allSatisfy { !$0.inUniverse && $0.dropSuspicious && $0.spikeBandBasisPoints == 0 })
    }

    @Test("every problem is reported at once with file and line")
    func problems() {
        let text = """
            instruments = 8
            universe = 0-3, 9, 5-x
            spike_window = 100
            spike_band = 20
            allow_locked = maybe
            allow_locked = true
            instrument.12.spike_band_bps = 10
            instrument.2.colour = red
            instrument.x.allow_locked = true
            just words
            stale_limit_us = -1
            """
        #expect {
            _ = try MarketDataFilterConfig.parse(text: text, source: "bad.conf")
        } throws: { error in
            guard let error = error as? MarketDataConfigError else { return false }
            let lines = error.problems.map(\.line)
            let text = error.description
            return lines.sorted() == [2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
                && text.contains("bad.conf:4: unknown key 'spike_band'")
                && text.contains("bad.conf:6: duplicate key 'allow_locked' (first at line 5)")
                && text.contains("bad.conf:2: universe entry '9' is outside 0..<8")
                && text.contains("bad.conf:2: bad universe entry '5-x'")
                && text.contains("bad.conf:3: bad value '100' for 'spike_window'")
                && text.contains("bad.conf:5: bad value 'maybe' for 'allow_locked'")
                && text.contains("bad.conf:7: instrument 12 is outside 0..<8")
                && text.contains("bad.conf:8: unknown per-instrument key 'colour'")
                && text.contains("bad.conf:9: expected 'instrument.ID.KEY'")
                && text.contains("bad.conf:10: expected 'key = value'")
                && text.contains("bad.conf:11: bad value '-1' for 'stale_limit_us'")
        }
    }

    @Test("missing required keys and an unreadable file are reported, not trapped")
    func missing() {
        #expect(throws: MarketDataConfigError.self) {
            _ = try MarketDataFilterConfig.parse(text: "venues = 2\n", source: "empty.conf")
        }
        do {
            _ = try MarketDataFilterConfig.parse(text: "venues = 2\n", source: "empty.conf")
        } catch {
            #expect(error.problems.map(\.description) == [
                "empty.conf:0: missing key 'instruments'; add 'instruments = …' (a positive integer)",
                "empty.conf:0: missing key 'universe'; list the instrument ids to trade (e.g. 'universe = 0-99'), or 'none'",
            ])
        }
        #expect(throws: MarketDataConfigError.self) {
            _ = try MarketDataFilterConfig.load(path: "/nonexistent/filter.conf")
        }
    }
}
