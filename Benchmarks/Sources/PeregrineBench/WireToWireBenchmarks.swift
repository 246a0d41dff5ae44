import CBaselines
import PeregrineCore
import PeregrineEngine
import PeregrineFIX
import PeregrineFIXTransport
import PeregrineMarketData
import PeregrinePlatform
import PeregrineRisk
import PeregrineStrategy
#if canImport(Glibc)
import Glibc
#endif

// Wire-to-wire on loopback through the whole engine (issue #7): the harness (this thread,
// pinned to cpu 0) plays the feed and the venue. Per sample it sends one IQFeed Level 1
// quote line on the feed socket and waits for the engine's FIX NewOrderSingle on the order
// socket; the engine (`TradingEngine`, its own thread pinned to cpu 1, spinning) decodes,
// filters, updates the book, runs a strategy that orders on every quote, risk-checks,
// registers the order in the OMS, encodes it on its logged-on FIX session and sends it.
// The figure is send(quote) → NOS received, beside the plain C loopback round trip of the
// same socket mode measured in the same run (a ping-pong: the floor for any request →
// answer over two loopback hops). Two spinning threads at most.

func runWireToWireBenchmarks(quick: Bool, report: inout BenchReport) {
    let rounds = quick ? 2 : 4
    let perRound = quick ? 3_000 : 10_000
    let warmup = 500
    typealias CBaseline = (UInt64, UInt64, Int32, Int32, UnsafeMutablePointer<UInt64>?) -> Int32
    let cases: [(label: String, mode: SocketMode, baseline: CBaseline)] = [
        ("busy_poll", .busyPoll, cbaseline_socket_pingpong_busy_poll),
        ("io_uring_spin", .ioUringSpin, cbaseline_socket_pingpong_io_uring_spin),
    ]
    for entry in cases {
        let swiftName = "wire_to_wire.\(entry.label).engine"
        let cName = "wire_to_wire.\(entry.label).c_round_trip"
        var engineSamples: [UInt64] = [], cSamples: [UInt64] = []
        var failed = false
        for _ in 0..<rounds where !failed {
            do {
                engineSamples += try WireToWire.run(mode: entry.mode, warmup: warmup, count: perRound)
            } catch {
                print("\(swiftName) failed: \(error)")
                failed = true
            }
            var samples = [UInt64](repeating: 0, count: perRound)
            let rc = samples.withUnsafeMutableBufferPointer {
                entry.baseline(UInt64(warmup), UInt64(perRound), 128, 1, $0.baseAddress)
            }
            if rc == 0 { cSamples += samples } else { print("\(cName) failed: errno \(rc)") }
        }
        report.addLatency(name: swiftName, samplesNanos: failed ? [] : engineSamples)
        report.addLatency(name: cName, samplesNanos: cSamples)
        report.addRatio(name: "wire_to_wire.\(entry.label).engine_over_c", numerator: swiftName, denominator: cName)
        if !failed, !engineSamples.isEmpty, !cSamples.isEmpty {
            let e = engineSamples.sorted()[engineSamples.count / 2], c = cSamples.sorted()[cSamples.count / 2]
            if c > 0 { report.addGoal(name: "wire_to_wire.\(entry.label).p50_over_c_round_trip", value: Double(e) / Double(c), limit: 1.2, unit: "x") }
        }
    }
}

enum WireToWire {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// One engine, `warmup + count` quotes; returns the `count` measured latencies (ns).
    static func run(mode: SocketMode, warmup: Int, count: Int) throws -> [UInt64] {
        try CPU.pinCurrentThread(to: 0)
        let feedListener = try TCPSocket.listen(on: .loopback(port: 0))
        let fixListener = try TCPSocket.listen(on: .loopback(port: 0))
        var configuration = EngineConfiguration(symbols: ["SPY"], orderEntry: .loopback(port: try fixListener.localAddress().port),
                                                feed: .loopback(port: try feedListener.localAddress().port))
        configuration.socketMode = mode
        configuration.spin = true
        configuration.placement = ThreadPlacement(cpu: min(1, CPU.onlineCount - 1), policy: RingBenchmarks.policy)
        configuration.venue = VenueId(rawValue: 1)
        if let every = getenv("PEREGRINE_W2W_SESSION_POLL_EVERY"), let n = UInt64(String(cString: every)), n > 0 {
            configuration.orderSessionPollEvery = n
        }
        var limits = RiskLimits(instrumentCount: 1, accountCount: 2, venueCount: 2)
        limits.global.killOnVenueDisconnect = false
        let engine = try TradingEngine(configuration: configuration, strategies: LatencyProbeStrategies(), riskLimits: limits)
        try engine.start()
        defer { engine.stop() }

        let sockets = try SocketEngine.make(mode: mode)
        defer { sockets.close() }
        let deadline = Clock.monotonicNanos() + 10_000_000_000
        let feed = try sockets.accept(on: feedListener, deadlineNanos: deadline)
        let fix = try sockets.accept(on: fixListener, deadlineNanos: deadline)
        defer { feed.close(); fix.close() }

        // Log the engine on: a venue-side session answers its Logon.
        var sc = FIXSessionConfiguration(version: .fix44, senderCompID: "SIMX", targetCompID: "PEREGRINE", role: .acceptor)
        sc.heartbeatIntervalSeconds = 30
        let session = FIXSession(configuration: sc, dictionary: nil, store: FIXMemoryStore())
        session.connected(at: Clock.now())
        var inbound = [UInt8]()
        while !session.isLoggedOn {
            if Clock.monotonicNanos() > deadline { throw Failure(description: "the engine did not log on (\(engine.progress.lastNote))") }
            _ = fix.receive(deadlineNanos: Clock.monotonicNanos() + 1_000_000) { inbound.append(contentsOf: $0) }
            while case .frame(let length) = inbound.withUnsafeBytes({ FIXFrameScanner.next($0) }) {
                inbound.withUnsafeBytes { session.receive(UnsafeRawBufferPointer(rebasing: $0[0..<length]), at: Clock.now()) }
                inbound.removeFirst(length)
            }
            session.drainOutbound { _ = fix.send($0) }
        }
        // Wait until the engine has seen the session come up (it refuses orders before).
        while !engine.progress.venueConnected {
            if Clock.monotonicNanos() > deadline { throw Failure(description: "the engine did not see the logon") }
            _ = fix.tryReceive { _ in }
        }

        // Quotes: the bid walks so no two lines are alike.
        var encoder = IQFeedLevel1Encoder(symbols: ["SPY"], sessionDate: IQFeedLevel1Encoder.newYorkDate(of: Clock.now()))
        var samples = [UInt64](repeating: 0, count: count)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 64)
        defer { scratch.deallocate() }
        for i in 0..<(warmup + count) {
            let bid = Price(rawValue: (100_00 + Int64(i % 50)) * 1_000_000)
            let quote = MarketEvent.quote(InstrumentId(rawValue: 0), venue: VenueId(rawValue: 1), bidPrice: bid,
                                          bidQuantity: Quantity(rawValue: 300 * FixedPointScale.scale),
                                          askPrice: bid + Price(rawValue: 1_000_000),
                                          askQuantity: Quantity(rawValue: 200 * FixedPointScale.scale),
                                          exchangeTime: .zero, receiveTime: .zero)
            // Encode before the clock starts; send and wait for the order.
            var length = 0
            _ = encoder.encode(quote) { line in
                scratch.copyMemory(from: line)
                length = line.count
            }
            let line = UnsafeRawBufferPointer(rebasing: scratch[0..<length])
            let start = Clock.monotonicNanos()
            guard case .sent = feed.send(line) else { throw Failure(description: "feed send failed") }
            var sawOrder = false
            while !sawOrder {
                let result = fix.receive(deadlineNanos: Clock.monotonicNanos() + 2_000_000_000) { bytes in
                    // A NewOrderSingle carries 35=D; heartbeats do not arrive within a run.
                    if Self.contains(bytes, "\u{1}35=D\u{1}") { sawOrder = true }
                }
                if case .received = result { continue }
                throw Failure(description: "no order for quote \(i): \(result); engine: \(engine.progress.lastNote)")
            }
            let end = Clock.monotonicNanos()
            if i >= warmup { samples[i - warmup] = end &- start }
        }
        return samples
    }

    static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        let n = needle.utf8CodeUnitCount
        guard bytes.count >= n else { return false }
        return needle.withUTF8Buffer { pattern in
            var i = 0
            while i + n <= bytes.count {
                var match = true
                for k in 0..<n where bytes[i + k] != pattern[k] { match = false; break }
                if match { return true }
                i += 1
            }
            return false
        }
    }
}
