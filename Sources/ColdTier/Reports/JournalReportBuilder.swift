import PeregrineCore
import PeregrineJournal
import PeregrineOMS
import PeregrineRuntime

/// Builds a `JournalReport` from journal records fed in journal order (streaming: each
/// record is decoded and folded in, nothing of it is kept).
///
/// Threading: one thread at a time. Allocation: per order, per fill and per quote in the
/// arrival window; market data otherwise leaves only marks behind. Errors: none thrown —
/// malformed payloads and inconsistent order flow become lines in `problems`; call
/// `noteProblem` for reading problems found outside (a corrupt record, a torn tail).
public final class JournalReportBuilder {
    let options: JournalReportOptions

    // Source.
    var sourcePath = ""
    var sourceName = ""
    var files: [String] = []
    var recordCounts: [UInt16: Int] = [:]
    var recordCount = 0
    var firstTimestamp: Timestamp?
    var lastTimestamp: Timestamp?
    var problems: [String] = []
    /// Aggregated problems by kind: count and where the first one was.
    var tallies: [String: (count: Int, first: String)] = [:]
    var tallyOrder: [String] = []

    // Market.
    var quotes = ArrivalQuotes()
    var marks: [UInt32: Price] = [:]
    var marketEventsSinceTrim = 0

    // Positions.
    struct StrategyKey: Hashable { var strategy: UInt16; var instrument: UInt32 }
    struct AccountKey: Hashable { var account: UInt32; var instrument: UInt32 }
    var strategyPositions: [StrategyKey: Position] = [:]
    var accountPositions: [AccountKey: Position] = [:]
    var strategyFillCounts: [UInt16: Int] = [:]
    var instrumentFillCounts: [UInt32: Int] = [:]

    // Days.
    var days: [CalendarDay: JournalReport.DayLine] = [:]
    var currentDay: CalendarDay?
    var netAtLastDayEnd: Notional = .zero
    var cachedHour: Int64 = .min
    var cachedDay = CalendarDay(year: 1970, month: 1, day: 1)

    // Orders (see JournalReportBuilder+Orders.swift).
    var orders: [OrderId: OrderEntry] = [:]
    var requests: [OrderId: Request] = [:]
    var pendingArrivals: [OrderEntry] = []
    var pendingArrivalsHead = 0
    var terminalQueue: [OrderEntry] = []
    var terminalQueueHead = 0
    static let terminalOrdersKept = 65_536
    var flow: [UInt16: JournalReport.OrderFlowLine] = [:]
    var ledger: [FillKey: BookedFill] = [:]
    var ledgerOrder: [FillKey] = []
    var ledgerHead = 0
    static let fillsKept = 262_144
    var slippageByStrategy: [UInt16: [SlippageSample]] = [:]
    var slippageByInstrument: [UInt32: [SlippageSample]] = [:]
    var slippageAll: [SlippageSample] = []
    var fillsWithoutArrival = 0
    var latencyAck = LatencyAccumulator()
    var latencyFirstFill = LatencyAccumulator()
    var latencyRequest = LatencyAccumulator()
    var latencyAckEngine = LatencyAccumulator()
    var latencyFirstFillEngine = LatencyAccumulator()
    var venueRejects: [RejectKey: Int] = [:]
    var riskSeen = false
    var riskAccepted = 0
    var riskRejectsByReason: [UInt8: Int] = [:]
    var riskRejectedIds: Set<OrderId> = []
    var unknownOrders = JournalReport.UnknownOrderExecutions(count: 0, fills: 0, fillQuantity: .zero)

    // P&L curves.
    var strategySeries: [UInt16: SeriesSampler] = [:]
    var totalSeries: SeriesSampler
    var lastSampleTime: Int64 = .min
    var sampleStep: Int64 = 1_000_000

    /// A builder with `options`; set `source` details with `setSource` if you read files.
    public init(options: JournalReportOptions = JournalReportOptions()) {
        self.options = options
        totalSeries = SeriesSampler(maximumPoints: options.maximumSeriesPoints)
    }

    /// Names the source for the report header (the path given, the journal name).
    public func setSource(path: String, name: String) {
        sourcePath = path
        sourceName = name
    }

    /// Adds a problem line (e.g. a corrupt record reported by `JournalReader`).
    public func noteProblem(_ line: String) { problems.append(line) }

    /// Counts one more problem of `kind`, remembering where the first was.
    func tally(_ kind: String, at location: String) {
        if let t = tallies[kind] {
            tallies[kind] = (t.count + 1, t.first)
        } else {
            tallies[kind] = (1, location)
            tallyOrder.append(kind)
        }
    }

    static func location(_ record: JournalRecord) -> String { "\(record.file) offset \(record.offset) (seq \(record.sequence))" }

    /// Folds one record in. O(1) expected (a market event may settle pending arrival quotes).
    public func add(_ record: JournalRecord) {
        recordCount += 1
        recordCounts[record.type.rawValue, default: 0] += 1
        if files.last != record.file { files.append(record.file) }
        let time = record.timestamp
        if firstTimestamp == nil { firstTimestamp = time }
        lastTimestamp = time
        advanceDay(to: time)
        switch record.type {
        case .marketEvent:
            guard let event = ReportPayload.marketEvent(record) else {
                return tally("malformed market-event record(s) (wrong size or kind byte)", at: Self.location(record))
            }
            onMarketEvent(event, time: time)
        case .orderCommand:
            guard let command = ReportPayload.orderCommand(record) else {
                return tally("malformed order-command record(s) (wrong size or an enum byte out of range)", at: Self.location(record))
            }
            onCommand(command, time: time)
        case .executionEvent:
            guard let event = ReportPayload.executionEvent(record) else {
                return tally("malformed execution-event record(s) (wrong size or an enum byte out of range)", at: Self.location(record))
            }
            onExecution(event, time: time, location: Self.location(record))
        case .riskDecision:
            guard let decision = ReportPayload.riskDecision(record) else {
                return tally("malformed risk-decision record(s) (shorter than 9 bytes)", at: Self.location(record))
            }
            onRiskDecision(orderId: decision.orderId, reason: decision.reason)
        default:
            break   // raw messages, configuration changes, filter drops: counted only
        }
    }

    // MARK: Market

    func onMarketEvent(_ event: MarketEvent, time: Timestamp) {
        let instrument = event.instrument.rawValue
        switch event.kind {
        case .trade:
            marks[instrument] = event.price
        case .quote:
            let quote = ArrivalQuotes.Quote(time: event.receiveTime.nanosecondsSinceEpoch, bid: event.bidPrice.rawValue,
                                            ask: event.askPrice.rawValue)
            quotes.add(instrument: instrument, quote)
            // The engine marks to the book's mid, (bid + ask) / 2 truncated (BookMath.mid).
            if let doubled = quote.doubledMid { marks[instrument] = Price(rawValue: doubled / 2) }
        default:
            break
        }
        quotes.advance(to: event.receiveTime.nanosecondsSinceEpoch)
        settleArrivals(final: false)
        marketEventsSinceTrim += 1
        if marketEventsSinceTrim >= 4_096 {
            marketEventsSinceTrim = 0
            trimQuotes()
        }
        sampleSeries(at: time, force: false)
    }

    /// Quotes older than the oldest unsettled decision (less a margin) are no longer needed.
    func trimQuotes() {
        var cutoff = quotes.watermark
        if pendingArrivalsHead < pendingArrivals.count {
            for entry in pendingArrivals[pendingArrivalsHead...] { cutoff = min(cutoff, entry.createdTime) }
        }
        guard cutoff != .min else { return }
        quotes.trim(before: cutoff &- 5_000_000_000)
    }

    // MARK: Positions

    /// Books a fill in the strategy's and the account's positions; returns what booking did.
    func book(strategy: UInt16, account: UInt32, instrument: UInt32, signed: Quantity, price: Price,
              fee: Notional) -> BookedFill.Effect {
        let sk = StrategyKey(strategy: strategy, instrument: instrument)
        let ak = AccountKey(account: account, instrument: instrument)
        var sp = strategyPositions[sk] ?? Position()
        var ap = accountPositions[ak] ?? Position()
        let sBasis = sp.costBasis, aBasis = ap.costBasis
        let sRealized = sp.apply(signedQuantity: signed, price: price)
        let aRealized = ap.apply(signedQuantity: signed, price: price)
        sp.fees += fee
        ap.fees += fee
        strategyPositions[sk] = sp
        accountPositions[ak] = ap
        return BookedFill.Effect(strategyRealized: sRealized, strategyBasisChange: sp.costBasis - sBasis,
                                 accountRealized: aRealized, accountBasisChange: ap.costBasis - aBasis)
    }

    /// Takes a booked fill back out of both positions (a bust); returns the account-level
    /// realized P&L change.
    func unbook(_ fill: BookedFill) -> Notional {
        let sk = StrategyKey(strategy: fill.strategy, instrument: fill.instrument)
        let ak = AccountKey(account: fill.account, instrument: fill.instrument)
        var sp = strategyPositions[sk] ?? Position()
        var ap = accountPositions[ak] ?? Position()
        let before = ap.realizedPnL
        sp.reverse(signedQuantity: fill.signed, basisChange: fill.effect.strategyBasisChange, realized: fill.effect.strategyRealized)
        ap.reverse(signedQuantity: fill.signed, basisChange: fill.effect.accountBasisChange, realized: fill.effect.accountRealized)
        sp.fees -= fill.fee
        ap.fees -= fill.fee
        strategyPositions[sk] = sp
        accountPositions[ak] = ap
        return ap.realizedPnL - before
    }

    /// Net P&L (realized + unrealized at the current marks − fees) of the account positions.
    func accountNet() -> Notional {
        var sum = Notional.zero
        for (key, p) in accountPositions { sum += net(of: p, instrument: key.instrument) }
        return sum
    }

    func net(of p: Position, instrument: UInt32) -> Notional {
        var n = p.realizedPnL - p.fees
        if let mark = marks[instrument], p.quantity.rawValue != 0 { n += p.unrealizedPnL(mark: mark) }
        return n
    }

    // MARK: Days

    func dayOf(_ time: Timestamp) -> CalendarDay {
        // Midnights (UTC and New York) fall on whole hours: one day per UTC hour.
        let t = time.nanosecondsSinceEpoch
        var hour = t / 3_600_000_000_000
        if t < 0 && t % 3_600_000_000_000 != 0 { hour -= 1 }
        if hour != cachedHour {
            cachedHour = hour
            cachedDay = options.dayBoundary.day(of: time)
        }
        return cachedDay
    }

    func advanceDay(to time: Timestamp) {
        let day = dayOf(time)
        guard let current = currentDay else {
            currentDay = day
            _ = dayLine(day)
            return
        }
        guard day > current else { return }
        closeDay(current)
        currentDay = day
        _ = dayLine(day)
    }

    func closeDay(_ day: CalendarDay) {
        let net = accountNet()
        days[day, default: Self.emptyDay(day)].netChange += net - netAtLastDayEnd
        netAtLastDayEnd = net
    }

    @discardableResult
    func dayLine(_ day: CalendarDay) -> JournalReport.DayLine {
        if let line = days[day] { return line }
        let line = Self.emptyDay(day)
        days[day] = line
        return line
    }

    static func emptyDay(_ day: CalendarDay) -> JournalReport.DayLine {
        JournalReport.DayLine(day: day, fills: 0, boughtQuantity: .zero, soldQuantity: .zero, tradedNotional: .zero,
                              realized: .zero, fees: .zero, netChange: .zero)
    }

    // MARK: P&L curves

    /// Samples every strategy's net P&L and the total: always when `force` (a fill), else at
    /// most once per sampling step of journal time (the step doubles as curves are thinned).
    func sampleSeries(at time: Timestamp, force: Bool) {
        let t = time.nanosecondsSinceEpoch
        guard force || lastSampleTime == .min || t &- lastSampleTime >= sampleStep else { return }
        guard !strategySeries.isEmpty else { return }
        lastSampleTime = t
        var byStrategy: [UInt16: Notional] = [:]
        for (key, p) in strategyPositions { byStrategy[key.strategy, default: .zero] += net(of: p, instrument: key.instrument) }
        for (strategy, value) in byStrategy {
            strategySeries[strategy]?.add(time: t, value: value.doubleValue)
        }
        totalSeries.add(time: t, value: accountNet().doubleValue)
        sampleStep = max(sampleStep, totalSeries.step)
    }

    /// Starts a strategy's curve at zero at the first record's time.
    func ensureSeries(_ strategy: UInt16) {
        guard strategySeries[strategy] == nil else { return }
        var s = SeriesSampler(maximumPoints: options.maximumSeriesPoints)
        s.add(time: firstTimestamp?.nanosecondsSinceEpoch ?? 0, value: 0)
        strategySeries[strategy] = s
        if totalSeries.isEmpty { totalSeries.add(time: firstTimestamp?.nanosecondsSinceEpoch ?? 0, value: 0) }
    }
}
