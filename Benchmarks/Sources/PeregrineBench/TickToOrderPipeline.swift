import CBaselines
import PeregrineCEP
import PeregrineCore
import PeregrineFIX
import PeregrineMarketData
import PeregrineModels
import PeregrineOMS
import PeregrinePlatform
import PeregrineRisk
import PeregrineStrategy
#if canImport(Glibc)
import Glibc
#endif

/// Decode → filter → top of book → CEP → strategy (model inside the alpha): the market side of
/// the pipeline, owned by one thread. Built at set-up (allocates); `decode`/`process` do not.
struct TickFeedSide {
    var decoder: IQFeedLevel1Decoder
    var decoded = IQFeedLevel1Output()
    var filter: MarketDataFilter
    var book: TopOfBookTable
    var cep: TickToOrderCEP
    var cepOutput = CEPOutputBuffer(capacity: 16)
    var strategy: TickToOrderStrategy
    var events = 0
    var drops = 0

    init(model: ModelSlot) {
        let n = TickToOrderLimits.instruments
        var symbols = IQFeedSymbolTable(capacity: 64)
        for (i, s) in TickStream.symbols.enumerated() { symbols.insert(s, id: InstrumentId(rawValue: UInt32(i))) }
        decoder = IQFeedLevel1Decoder(symbols: symbols, venue: TickToOrderLimits.feedVenue, sessionDate: TickStream.sessionDate)
        var config = MarketDataFilterConfig(instrumentCapacity: n, venueCapacity: 4,
                                            defaults: InstrumentFilterRules(inUniverse: true, spikeBandBasisPoints: TickToOrderLimits.spikeBandBasisPoints,
                                                                            staleLimit: TickToOrderLimits.staleLimit, allowLocked: false))
        config.spikeWindow = 16
        filter = MarketDataFilter(config: config)
        book = TopOfBookTable(instrumentCapacity: n)
        cep = TickToOrderCEP(instruments: n)
        let lot = Quantity(units: TickToOrderLimits.strategyLotShares)!
        let strategyConfig = StrategyConfig(
            id: TickToOrderLimits.strategyId, account: TickToOrderLimits.account, venue: TickToOrderLimits.orderVenue,
            instruments: (0..<n).map { InstrumentId(rawValue: UInt32($0)) },
            limits: StrategyLimits(maxPosition: Quantity(units: TickToOrderLimits.strategyMaxPositionShares)!,
                                   maxOrderSize: Quantity(units: TickToOrderLimits.strategyMaxOrderShares)!),
            lotSize: lot, tickSize: Price("0.01")!, orderCapacity: 64, clock: .receiveTime)
        strategy = ComposedStrategy(config: strategyConfig,
                                    alpha: CEPImbalanceAlpha(model: model, threshold: TickToOrderLimits.signalThreshold),
                                    portfolio: EqualWeightPortfolio(grossNotional: TickToOrderLimits.grossNotional,
                                                                    minStrength: TickToOrderLimits.signalThreshold),
                                    risk: RiskChain(ExposureCapRisk(maxGrossNotional: TickToOrderLimits.grossNotional),
                                                    DrawdownGuardRisk(maxDrawdown: TickToOrderLimits.strategyMaxDrawdown)),
                                    execution: ImmediateExecution(offsetTicks: TickToOrderLimits.offsetTicks,
                                                                  retryAfter: TickToOrderLimits.retryAfter))
    }

    /// Decodes one line; returns how many market events it gave (0, 1 or 2).
    @inline(__always)
    mutating func decode(_ line: UnsafeRawBufferPointer, receive: Timestamp) -> Int {
        decoder.decode(line, receiveTime: receive, into: &decoded) == .events ? decoded.eventCount : 0
    }

    /// Filter → book → CEP → strategy for decoded event `index`; true when the strategy emitted
    /// commands (left in `strategy.orders` for the caller to drain).
    @inline(__always)
    mutating func process(_ index: Int, receive: Timestamp) -> Bool {
        var none = NoStageStamps()
        return process(index, receive: receive, stamps: &none)
    }

    /// `process` with stage stamps (filter + book, CEP, strategy) for the breakdown run.
    @inline(__always)
    mutating func process<Stamps: TickStageStamps>(_ index: Int, receive: Timestamp, stamps: inout Stamps) -> Bool {
        var event = index == 0 ? decoded.first : decoded.second
        events &+= 1
        guard filter.process(&event).passes else { drops &+= 1; return false }
        book.apply(event)
        stamps.stamp(.book)
        cep.onEvent(event, time: receive, into: &cepOutput)
        for i in 0..<cepOutput.count { strategy.onCEPOutput(cepOutput[i]) }
        cepOutput.removeAll()
        stamps.stamp(.cep)
        strategy.onMarketEvent(event)
        stamps.stamp(.strategy)
        return !strategy.orders.isEmpty
    }

    /// The risk reference price of `instrument`: the book's mid (zero while one-sided).
    @inline(__always)
    func reference(_ instrument: InstrumentId) -> Price { book[instrument].mid ?? .zero }
}

/// Pre-trade risk → OMS → FIX NewOrderSingle: the order side, owned by one thread; plus the
/// simulated venue's answers (ack and full fill), applied off the measured path.
struct TickOrderSide: ~Copyable {
    var risk: PreTradeRisk
    var oms: OrderManager
    var encoder: FIXEncoder
    let symbols: [FIXInlineText]
    let account = FIXInlineText("ACC-1")!
    var sequence = 1
    var accepted = 0
    var rejected = 0
    var omsRefused = 0
    var fills = 0
    var nosBytes = 0
    var checksum = 0
    /// The last NewOrderSingle's bytes (valid until the encoder's next message).
    var lastNOS = UnsafeRawBufferPointer(start: nil, count: 0)
    var nextExecutionId: UInt64 = 1
    let tick = Price("0.01")!

    init() {
        risk = PreTradeRisk(limits: TickToOrderLimits.riskLimits())
        oms = OrderManager(configuration: OMSConfiguration(
            orderCapacity: TickToOrderLimits.orderCapacity, executionCapacity: TickToOrderLimits.orderCapacity * 4,
            linger: TickToOrderLimits.linger, accountCount: 1, instrumentCount: TickToOrderLimits.instruments,
            fees: FeeSchedule(perUnit: Price("0.0035")!)))
        encoder = FIXEncoder(version: .fix44, senderCompID: FIXInlineText("PEREGRINE")!, targetCompID: FIXInlineText("VENUE")!,
                             timePrecision: .microseconds)
        symbols = TickStream.symbols.map { FIXInlineText($0)! }
    }

    /// Risk check, OMS registration and NewOrderSingle encoding of one new-order command; true
    /// when NOS bytes were produced. The reference price (the book's mid when the strategy
    /// decided) is applied first so the collar and exposure checks see the current market.
    @inline(__always)
    mutating func send(_ command: OrderCommand, reference: Price, now: Timestamp) -> Bool {
        var none = NoStageStamps()
        return send(command, reference: reference, now: now, stamps: &none)
    }

    /// `send` with stage stamps (risk, OMS, FIX) for the breakdown run.
    @inline(__always)
    mutating func send<Stamps: TickStageStamps>(_ command: OrderCommand, reference: Price, now: Timestamp,
                                                stamps: inout Stamps) -> Bool {
        precondition(command.kind == .new, "the benchmark strategy only sends new orders")
        if reference.rawValue > 0 { risk.onMarketPrice(instrument: command.instrument, price: reference, time: now) }
        guard risk.check(command, now: now).isAccepted else { rejected &+= 1; return false }
        stamps.stamp(.risk)
        guard !oms.onSend(command, now: now).code.isFault else {
            omsRefused &+= 1
            risk.onExecution(rejection(command, now: now))
            return false
        }
        stamps.stamp(.oms)
        let bytes = encoder.encodeNewOrderSingle(command, symbol: symbols[command.instrument.index], account: account,
                                                 sequenceNumber: sequence, sendingTime: now)
        sequence &+= 1
        nosBytes &+= bytes.count
        checksum &+= Int(bytes[bytes.count - 2])   // a checksum digit: the bytes are really there
        lastNOS = bytes
        accepted &+= 1
        stamps.stamp(.fix)
        return true
    }

    /// The venue's answers to an accepted order: an ack, then one full fill at the touch (the
    /// marketable limit less its offset), applied to the OMS and risk; returned for the strategy.
    mutating func fill(_ c: OrderCommand, now: Timestamp) -> (ack: ExecutionEvent, fill: ExecutionEvent) {
        var e = ExecutionEvent()
        e.orderId = c.orderId
        e.venue = c.venue
        e.venueOrderId = c.orderId.rawValue &+ 1_000_000_000
        e.instrument = c.instrument
        e.account = c.account
        e.strategy = c.strategy
        e.side = c.side
        e.price = c.price
        e.orderQuantity = c.quantity
        e.receiveTime = now
        e.transactTime = now
        e.executionType = .new
        e.orderStatus = .new
        e.leavesQuantity = c.quantity
        let ack = e
        let price = c.side == .buy ? c.price - tick * TickToOrderLimits.offsetTicks : c.price + tick * TickToOrderLimits.offsetTicks
        e.executionType = .trade
        e.orderStatus = .filled
        e.executionId = nextExecutionId
        nextExecutionId &+= 1
        e.lastQuantity = c.quantity
        e.lastPrice = price
        e.cumulativeQuantity = c.quantity
        e.leavesQuantity = .zero
        e.averagePrice = price
        _ = oms.onExecution(ack)
        _ = oms.onExecution(e)
        risk.onExecution(ack)
        risk.onExecution(e)
        fills &+= 1
        return (ack, e)
    }

    /// A reject for a command risk or the OMS refused (so the strategy frees its slot).
    func rejection(_ c: OrderCommand, now: Timestamp) -> ExecutionEvent {
        var e = ExecutionEvent()
        e.orderId = c.orderId
        e.instrument = c.instrument
        e.account = c.account
        e.strategy = c.strategy
        e.side = c.side
        e.orderQuantity = c.quantity
        e.receiveTime = now
        e.transactTime = now
        e.executionType = .rejected
        e.orderStatus = .rejected
        return e
    }
}

/// What one run measured (latencies in TSC ticks).
struct TickToOrderRun {
    var tickTicks: [UInt64] = []
    var orderTicks: [UInt64] = []
    var allocations: UInt64 = 0
    /// Market events decoded in the timed lines.
    var measuredEvents = 0
    var events = 0
    var drops = 0
    var ordersAccepted = 0
    var ordersRejected = 0
    var nosBytes = 0
    /// The run's last NewOrderSingle, SOH shown as `|`.
    var lastNOS = ""
}

extension TickOrderSide {
    /// `lastNOS` as text, SOH shown as `|` (set-up/report only: allocates).
    var lastNOSText: String {
        String(decoding: lastNOS.map { $0 == 1 ? UInt8(ascii: "|") : $0 }, as: UTF8.self)
    }
}

/// The receive time of line `k` (the stream's line time, UTC, plus the feed latency).
@inline(__always)
func tickReceiveTime(_ k: Int, firstReceive: Timestamp) -> Timestamp {
    firstReceive + Nanoseconds(Int64(k) &* TickStream.stepNanos)
}

/// The length of the line starting at `offset` (through its LF), found as a feed handler does:
/// a scan of the receive buffer for the next LF.
@inline(__always)
func tickLineLength(_ raw: UnsafeRawBufferPointer, from offset: Int) -> Int {
    let start = raw.baseAddress! + offset
    guard let lf = memchr(start, 0x0A, raw.count - offset) else { return raw.count - offset }
    return UnsafeRawPointer(lf) - start + 1
}
