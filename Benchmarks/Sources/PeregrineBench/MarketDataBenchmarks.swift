import CBaselines
import PeregrineCore
import PeregrineMarketData
#if canImport(Glibc)
import Glibc
#endif

/// Market-data decode figures: nanoseconds per TWS tickPrice frame and per IQFeed Q line
/// (decode into values / `MarketEvent`s), LEAN replay throughput (IBM 2013-10-07 trade + quote
/// files, CSV → `MarketEvent` merged in time order, after a one-off inflate that is timed
/// separately), and heap allocations per message/event after warm-up (goal: 0).
///
/// Single thread, no pinning needed. Each figure is the median of several timed loops; a
/// running sum of results keeps the optimizer from discarding work. The LEAN files are read
/// from ../shared/data (QuantConnect LEAN data, Apache License 2.0; see lean/LICENSE there);
/// if absent, the replay figures are skipped with a note.
func runMarketDataBenchmarks(quick: Bool, report: inout BenchReport) {
    let iterations = quick ? 200_000 : 1_000_000
    let repeats = quick ? 3 : 7
    var sink = 0

    // MARK: TWS tickPrice
    let tick: [UInt8] = {
        var payload: [UInt8] = []
        for f in ["1", "6", "1001", "1", "189.52", "300", "1"] { payload += Array(f.utf8); payload.append(0) }
        return [0, 0, 0, UInt8(payload.count)] + payload
    }()
    let tws = TWSDecoder(serverVersion: 157)
    tick.withUnsafeBytes { buffer in
        let nanos = marketDataMedianNanos(repeats: repeats, iterations: iterations) { n in
            for _ in 0..<n {
                if case .message(.tickPrice(let t), let consumed) = tws.decode(buffer) {
                    sink &+= consumed &+ Int(truncatingIfNeeded: t.price?.rawValue ?? 0)
                }
            }
        }
        report.add(name: "marketdata.tws.tick_price.decode", value: nanos, unit: "ns/msg")
        let before = cbaseline_allocation_count()
        for _ in 0..<iterations {
            if case .message(_, let consumed) = tws.decode(buffer) { sink &+= consumed }
        }
        report.add(name: "marketdata.tws.tick_price.allocations",
                   value: Double(cbaseline_allocation_count() - before) / Double(iterations), unit: "allocs/msg")
    }

    // MARK: IQFeed Q update (default 6.2 fieldset, trade + quote)
    var symbols = IQFeedSymbolTable(capacity: 1_024)
    for i in 0..<500 { symbols.insert("SYM\(i)", id: InstrumentId(rawValue: UInt32(i + 1))) }
    symbols.insert("AAPL", id: InstrumentId(rawValue: 0))
    var iqfeed = IQFeedLevel1Decoder(symbols: symbols, venue: VenueId(rawValue: 2), sessionDate: 20_210_401)
    var output = IQFeedLevel1Output()
    let q = Array("Q,AAPL,322.9100,13,16:53:16.164236,11,37620407,322.8700,100,323.0000,3300,312.6000,318.4000,312.1900,308.9500,Cba,8717,2,17\r\n".utf8)
    let receive = Timestamp(nanosecondsSinceEpoch: 1_700_000_000_000_000_000)
    q.withUnsafeBytes { line in
        let nanos = marketDataMedianNanos(repeats: repeats, iterations: iterations) { n in
            for _ in 0..<n {
                if iqfeed.decode(line, receiveTime: receive, into: &output) == .events {
                    sink &+= output.eventCount &+ Int(truncatingIfNeeded: output.first.word0)
                }
            }
        }
        report.add(name: "marketdata.iqfeed.q.decode", value: nanos, unit: "ns/msg")
        let before = cbaseline_allocation_count()
        for _ in 0..<iterations { sink &+= Int(iqfeed.decode(line, receiveTime: receive, into: &output).rawValue) }
        report.add(name: "marketdata.iqfeed.q.allocations",
                   value: Double(cbaseline_allocation_count() - before) / Double(iterations), unit: "allocs/msg")
    }

    // MARK: LEAN replay
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    parts.removeLast(5)   // Benchmarks/Sources/PeregrineBench/MarketDataBenchmarks.swift, package dir
    let directory = getenv("PEREGRINE_LEAN_DATA").map { String(cString: $0) }
        ?? parts.joined(separator: "/") + "/shared/data/lean/Data/equity/usa"
    let ibm = InstrumentId(rawValue: 7), venue = VenueId(rawValue: 1)
    let readers: [LEANReader]
    var inflateNanos = 0.0
    var inflatedBytes = 0
    do {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        let quote = try LEANReader.open(path: directory + "/tick/ibm/20131007_quote.zip", instrument: ibm, venue: venue)
        let trade = try LEANReader.open(path: directory + "/tick/ibm/20131007_trade.zip", instrument: ibm, venue: venue)
        clock_gettime(CLOCK_MONOTONIC, &end)
        inflateNanos = Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)
        inflatedBytes = quote.csv.count + trade.csv.count
        readers = [quote, trade]
    } catch {
        print("# marketdata: LEAN replay figures skipped: \(error)")
        if sink == 42 { print("# marketdata: sink \(sink)") }
        return
    }
    report.add(name: "marketdata.lean.read_inflate_crc", value: Double(inflatedBytes) / (inflateNanos / 1e9) / 1e6, unit: "MB/s")
    var events = 0
    var samples: [Double] = []
    for _ in 0..<(quick ? 3 : 5) {
        var replay = LEANReplay(readers)
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        events = 0
        while let e = replay.next() {
            events += 1
            sink &+= Int(truncatingIfNeeded: e.word0)
        }
        clock_gettime(CLOCK_MONOTONIC, &end)
        samples.append(Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec))
    }
    samples.sort()
    report.add(name: "marketdata.lean.replay_ibm_trade_quote", value: Double(events) / (samples[samples.count / 2] / 1e9), unit: "events/s")
    var replay = LEANReplay(readers)
    let before = cbaseline_allocation_count()
    var counted = 0
    while let e = replay.next() {
        counted += 1
        sink &+= Int(e.kind.rawValue)
    }
    report.add(name: "marketdata.lean.replay.allocations",
               value: Double(cbaseline_allocation_count() - before) / Double(max(counted, 1)), unit: "allocs/event")
    if sink == 42 { print("# marketdata: sink \(sink)") }   // keeps the loops' results alive
}

/// Median nanoseconds per operation over `repeats` timed runs of `body(iterations)`, after a
/// warm-up run of a tenth of the iterations.
private func marketDataMedianNanos(repeats: Int, iterations: Int, _ body: (Int) -> Void) -> Double {
    body(iterations / 10)
    var samples: [Double] = []
    for _ in 0..<repeats {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body(iterations)
        clock_gettime(CLOCK_MONOTONIC, &end)
        samples.append((Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)) / Double(iterations))
    }
    samples.sort()
    return samples[samples.count / 2]
}
