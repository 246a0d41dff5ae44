import CBaselines
import PeregrineCore
import PeregrineMarketData
#if canImport(Glibc)
import Glibc
#endif

/// Filter and book figures: nanoseconds per price-level book update (by price, and by row as
/// TWS sends them), per order-by-order (L3) add/reduce/delete, per top-of-book read, per `MarketDataFilter.process` call, and the replay
/// throughput of the IBM 2013-10-07 trade + quote day through LEANReplay → filter → book on one
/// core (events/s), each with heap allocations per operation after warm-up (goal: 0).
///
/// Single thread. Inputs are generated up front from a fixed-seed SplitMix64 (so the timed loops
/// only read an array), each figure is the median of several timed loops, and a running sum keeps
/// the optimizer from discarding work. The LEAN files come from ../shared/data (QuantConnect LEAN,
/// Apache License 2.0; or $PEREGRINE_LEAN_DATA); if absent, the replay figure is skipped with a note.
func runBookBenchmarks(quick: Bool, report: inout BenchReport) {
    let repeats = quick ? 3 : 7
    var sink = 0
    var rng = BookBenchRandom(state: 0x5EED)
    let instrument = InstrumentId(rawValue: 3), venue = VenueId(rawValue: 1)
    let t0 = Timestamp(nanosecondsSinceEpoch: 1_381_150_000_000_000_000)
    let tick: Int64 = 1_000_000   // 0.01 at the 1e-8 scale

    // MARK: L2 by price: updates cluster near the top (geometric depth), a quarter delete.
    let count = 1 << 16
    var byPrice: [MarketEvent] = []
    byPrice.reserveCapacity(count)
    for _ in 0..<count {
        let ask = rng.next() & 1 == 0
        var depth: Int64 = 0
        while depth < 40 && rng.next() % 4 != 0 { depth += 1 }
        let price = (ask ? 10_001 + depth : 10_000 - depth) * tick
        let units = rng.next() % 4 == 0 ? 0 : Int64(rng.next() % 1_000 + 1)
        byPrice.append(.depth(instrument, venue: venue, side: ask ? .sell : .buy, price: Price(rawValue: price),
                              quantity: Quantity(rawValue: units * FixedPointScale.scale), level: 0,
                              exchangeTime: t0, receiveTime: t0))
    }
    var books = PriceLevelBooks(instrumentCapacity: 16, maxLevels: 64, checksSequence: false)
    for e in byPrice { books.apply(e) }   // warm: the book reaches its steady depth
    let levelsHeld = books.levelCount(instrument, .bid) + books.levelCount(instrument, .ask)
    let byPriceNanos = bookMedianNanos(repeats: repeats, operations: count * (quick ? 4 : 16)) { rounds in
        for _ in 0..<rounds / count {
            for e in byPrice { sink &+= Int(books.apply(e).rawValue) }
        }
    }
    report.add(name: "book.l2.update_by_price", value: byPriceNanos, unit: "ns/update")
    report.add(name: "book.l2.levels_held", value: Double(levelsHeld), unit: "levels")
    var before = cbaseline_allocation_count()
    for e in byPrice { sink &+= Int(books.apply(e).rawValue) }
    report.add(name: "book.l2.update.allocations",
               value: Double(cbaseline_allocation_count() - before) / Double(count), unit: "allocs/update")

    // MARK: L2 by row (TWS updateMktDepth): a 10-row book, insert/update/delete kept valid.
    var byRow: [MarketEvent] = []
    byRow.reserveCapacity(count)
    var rows = [0, 0]
    for _ in 0..<count {
        let side = Int(rng.next() & 1)
        let position = rows[side] == 0 ? 0 : Int(rng.next() % UInt64(rows[side]))
        let operation: BookDepthOperation
        switch rng.next() % 3 {
        case 0 where rows[side] < 10: operation = .insert; rows[side] += 1
        case 1 where rows[side] > 0: operation = .delete; rows[side] -= 1
        default: operation = rows[side] == 0 ? .insert : .update
            if rows[side] == 0 { rows[side] = 1 }
        }
        byRow.append(.depthAtPosition(instrument, venue: venue, side: side == 0 ? .bid : .ask, position: position,
                                      operation: operation, price: Price(rawValue: 10_000 * tick),
                                      quantity: Quantity(rawValue: 100 * FixedPointScale.scale),
                                      exchangeTime: t0, receiveTime: t0))
    }
    var rowBooks = PriceLevelBooks(instrumentCapacity: 16, maxLevels: 64, checksSequence: false)
    let byRowNanos = bookMedianNanos(repeats: repeats, operations: count * (quick ? 4 : 16)) { rounds in
        for _ in 0..<rounds / count {
            rowBooks.clear(instrument)   // every round replays the same valid sequence from empty
            for e in byRow { sink &+= Int(rowBooks.apply(e).rawValue) }
        }
    }
    report.add(name: "book.l2.update_by_row", value: byRowNanos, unit: "ns/update")

    // MARK: Reading: best levels + microprice + 5-level imbalance, as a strategy would per event.
    let readNanos = bookMedianNanos(repeats: repeats, operations: 1 << 20) { n in
        for _ in 0..<n {
            let top = books.top(instrument)
            sink &+= Int(truncatingIfNeeded: (top.microprice?.rawValue ?? 0) &+ top.bid.quantity.rawValue)
            sink &+= Int((books.imbalance(instrument, withinLevels: 5) ?? 0) * 1_000)
        }
    }
    report.add(name: "book.l2.read_top_microprice_imbalance5", value: readNanos, unit: "ns/read")

    // MARK: L3: add, then (a quarter of the time) reduce, else delete an older order; ~1000 resting.
    var l3 = OrderByOrderBooks(instrumentCapacity: 16, maxOrders: 4_096, maxLevels: 64)
    var l3Ops: [(UInt64, Int64, UInt64)] = []   // (new id, price ticks, id to remove or reduce)
    l3Ops.reserveCapacity(count)
    for k in 0..<count {
        let id = UInt64(k + 1)
        l3Ops.append((id, 9_990 + Int64(rng.next() % 20), id > 1_000 ? id - 1_000 + rng.next() % 50 : 0))
    }
    var l3Offset: UInt64 = 0
    let l3Nanos = bookMedianNanos(repeats: repeats, operations: count * 2 * (quick ? 2 : 8)) { operations in
        for _ in 0..<operations / (count * 2) {
            l3.removeAll()
            l3Offset &+= 1 << 32   // fresh ids every round
            for (id, ticks, old) in l3Ops {
                let side: BookSide = ticks < 10_000 ? .bid : .ask
                sink &+= Int(l3.add(orderId: l3Offset | id, instrument, side, price: Price(rawValue: ticks * tick),
                                    quantity: Quantity(rawValue: 100 * FixedPointScale.scale)).rawValue)
                if old != 0 {
                    if old & 3 == 0 {
                        sink &+= Int(l3.reduce(orderId: l3Offset | old, by: Quantity(rawValue: 10 * FixedPointScale.scale)).rawValue)
                    } else {
                        sink &+= Int(l3.delete(orderId: l3Offset | old).rawValue)
                    }
                }
            }
        }
    }
    report.add(name: "book.l3.update", value: l3Nanos, unit: "ns/update")

    // MARK: Filter: trades and quotes of one instrument, all checks on, spike window 16.
    var config = MarketDataFilterConfig(instrumentCapacity: 16, venueCapacity: 4,
                                        defaults: InstrumentFilterRules(dropSuspicious: true, spikeBandBasisPoints: 200,
                                                                        staleLimit: .milliseconds(5), allowLocked: false),
                                        spikeWindow: 16, spikeMinimumSamples: 5, sequencePerKind: true)
    config.setInUniverse(instrument)
    var inputs: [MarketEvent] = []
    inputs.reserveCapacity(count)
    var mid: Int64 = 10_000
    for k in 0..<count {
        mid += Int64(rng.next() % 3) - 1
        if rng.next() % 3 == 0 {
            inputs.append(.trade(instrument, venue: venue, price: Price(rawValue: mid * tick),
                                 quantity: Quantity(rawValue: 100 * FixedPointScale.scale),
                                 exchangeTime: t0, receiveTime: t0 + .microseconds(50), sequence: UInt64(k + 1)))
        } else {
            inputs.append(.quote(instrument, venue: venue, bidPrice: Price(rawValue: (mid - 1) * tick),
                                 bidQuantity: Quantity(rawValue: 300 * FixedPointScale.scale),
                                 askPrice: Price(rawValue: (mid + 1) * tick),
                                 askQuantity: Quantity(rawValue: 200 * FixedPointScale.scale),
                                 exchangeTime: t0, receiveTime: t0 + .microseconds(50), sequence: UInt64(k + 1)))
        }
    }
    let filterNanos = bookMedianNanos(repeats: repeats, operations: count * (quick ? 4 : 16)) { rounds in
        for _ in 0..<rounds / count {
            var filter = MarketDataFilter(config: config)   // fresh sequences each round (outside the per-event cost: 1 in 65536)
            for k in 0..<count {
                var e = inputs[k]
                if filter.process(&e).passes { sink &+= 1 }
            }
        }
    }
    report.add(name: "filter.process", value: filterNanos, unit: "ns/event")
    var filter = MarketDataFilter(config: config)
    var warm = inputs[0]
    _ = filter.process(&warm)
    before = cbaseline_allocation_count()
    for k in 1..<count {
        var e = inputs[k]
        sink &+= filter.process(&e).passes ? 1 : 0
    }
    report.add(name: "filter.process.allocations",
               value: Double(cbaseline_allocation_count() - before) / Double(count - 1), unit: "allocs/event")

    // MARK: Replay: IBM 2013-10-07 trades + quotes → filter → top of book, one core.
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    parts.removeLast(5)   // Benchmarks/Sources/PeregrineBench/BookBenchmarks.swift, package dir
    let directory = getenv("PEREGRINE_LEAN_DATA").map { String(cString: $0) }
        ?? parts.joined(separator: "/") + "/shared/data/lean/Data/equity/usa"
    let ibm = InstrumentId(rawValue: 7)
    let readers: [LEANReader]
    do {
        readers = [try LEANReader.open(path: directory + "/tick/ibm/20131007_quote.zip", instrument: ibm, venue: venue),
                   try LEANReader.open(path: directory + "/tick/ibm/20131007_trade.zip", instrument: ibm, venue: venue)]
    } catch {
        print("# book: replay figure skipped: \(error)")
        if sink == 42 { print("# book: sink \(sink)") }
        return
    }
    var replayConfig = MarketDataFilterConfig(instrumentCapacity: 16, venueCapacity: 4,
                                              defaults: InstrumentFilterRules(dropSuspicious: true, spikeBandBasisPoints: 20,
                                                                              allowLocked: false),
                                              spikeWindow: 16, spikeMinimumSamples: 5, sequencePerKind: true)
    replayConfig.setInUniverse(ibm)
    var events = 0, passed = 0
    var samples: [Double] = []
    var dropped = ""
    for _ in 0..<(quick ? 3 : 5) {
        var replay = LEANReplay(readers)
        var replayFilter = MarketDataFilter(config: replayConfig)
        var tops = TopOfBookTable(instrumentCapacity: 16)
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        events = 0; passed = 0
        while var e = replay.next() {
            events += 1
            if replayFilter.process(&e).passes {
                passed += 1
                tops.apply(e)
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &end)
        samples.append(Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec))
        sink &+= Int(truncatingIfNeeded: tops[ibm].bidPrice.rawValue)
        dropped = replayFilter.counters.summary
    }
    samples.sort()
    report.add(name: "book.replay_ibm_filter_top", value: Double(events) / (samples[samples.count / 2] / 1e9), unit: "events/s")
    print("# book: replay \(events) events, \(passed) passed; dropped \(dropped)")
    var replay = LEANReplay(readers)
    var replayFilter = MarketDataFilter(config: replayConfig)
    var tops = TopOfBookTable(instrumentCapacity: 16)
    before = cbaseline_allocation_count()
    var counted = 0
    while var e = replay.next() {
        counted += 1
        if replayFilter.process(&e).passes { tops.apply(e) }
    }
    report.add(name: "book.replay.allocations",
               value: Double(cbaseline_allocation_count() - before) / Double(max(counted, 1)), unit: "allocs/event")
    if sink == 42 { print("# book: sink \(sink)") }   // keeps the loops' results alive
}

/// Median nanoseconds per operation over `repeats` timed runs of `body(operations)`, after a
/// warm-up run.
private func bookMedianNanos(repeats: Int, operations: Int, _ body: (Int) -> Void) -> Double {
    body(operations)
    var samples: [Double] = []
    for _ in 0..<repeats {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body(operations)
        clock_gettime(CLOCK_MONOTONIC, &end)
        samples.append((Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)) / Double(operations))
    }
    samples.sort()
    return samples[samples.count / 2]
}

/// SplitMix64, so the generated inputs are the same on every run.
private struct BookBenchRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
