import Testing
import PeregrineCore
import PeregrineMarketData

/// The filter and the books together, as the feed thread runs them.
@Suite("Filter → book pipeline")
struct FilterToBookPipelineTests {
    @Test("a sequence gap seen by the filter marks the book for a snapshot; the snapshot restores it")
    func gapThroughFilter() {
        let id = InstrumentId(rawValue: 1), venue = VenueId(rawValue: 0), t = Timestamp(nanosecondsSinceEpoch: 1)
        var config = MarketDataFilterConfig(instrumentCapacity: 2, venueCapacity: 1)
        config.setInUniverse(id)
        var filter = MarketDataFilter(config: config)
        // The book does not check sequences itself here: the filter's .afterGap flag must do it.
        var books = PriceLevelBooks(instrumentCapacity: 2, maxLevels: 8, checksSequence: false)
        func depth(_ ticks: Int64, _ sequence: UInt64, _ flags: MarketEventFlags = []) -> MarketEvent {
            .depth(id, venue: venue, side: .buy, price: Price(rawValue: ticks * 1_000_000), quantity: Quantity(rawValue: 100),
                   level: 0, exchangeTime: t, receiveTime: t, sequence: sequence, flags: flags)
        }
        var results: [BookUpdateResult] = []
        var verdicts: [FilterVerdict] = []
        for var e in [depth(100, 1), depth(99, 2), depth(98, 5), depth(97, 6), depth(96, 6), depth(100, 7, .snapshot), depth(99, 8)] {
            let verdict = filter.process(&e)
            verdicts.append(verdict)
            if verdict.passes { results.append(books.apply(e)) }
        }
        #expect(verdicts == [.pass, .pass, .passAfterGap, .pass, .drop(.outOfSequence), .pass, .pass])
        #expect(results == [.applied, .applied, .gap, .ignoredNeedsSnapshot, .applied, .applied])
        #expect(!books.needsSnapshot(id))
        #expect(books.levelCount(id, .bid) == 2 && books.bestBid(id)?.price == Price(rawValue: 100_000_000))
        #expect(filter.counters.gaps == 1 && books.counters.gaps == 1)
    }
}
