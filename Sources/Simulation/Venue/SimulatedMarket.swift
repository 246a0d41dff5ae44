import PeregrineCore

/// A market that trades by itself: agents (market makers, noise traders, momentum traders)
/// send orders into a `MatchingEngine` around a fair value that follows a geometric random
/// walk, on a simulated clock, so realistic order flow exists without any recorded file.
///
/// Events arrive as one Poisson process whose rate is the sum of the agents' rates; each
/// event advances the fair value by the elapsed time and lets one agent act. Agents see
/// their own execution reports and the public trades synchronously. A strategy under test
/// trades against it with `submit(_:into:)` (any account outside the agents').
///
/// Deterministic: a function of the parameters and the seed only (see `SimulationRandom`).
/// Single-threaded; `step(until:into:)` does not allocate beyond `output`'s capacity.
public struct SimulatedMarket: Sendable {
    public let parameters: SimulatedMarketParameters
    /// The venue book the agents trade in.
    public internal(set) var engine: MatchingEngine
    /// The simulated time of the last event processed (or the last `step` bound).
    public internal(set) var now: Timestamp
    /// The fair value (dollars) the agents trade around.
    public var fairValue: Double { logFairValue == 0 ? parameters.initialFairValue : SimulationRandom.exp(logFairValue) }
    /// Orders the agents have sent.
    public internal(set) var agentCommandCount: Int = 0
    /// Every command sent to the engine with its time, when `recordsCommands` (for replaying
    /// the flow into another engine, e.g. in benchmarks). Appending allocates as it grows.
    public internal(set) var recordedCommands: [TimedOrderCommand] = []
    /// Whether `send` records commands into `recordedCommands`.
    public var recordsCommands = false

    var random: SimulationRandom
    var logFairValue: Double
    var nextEventTime: Timestamp
    var nextOrderId: UInt64 = 1
    var makers: [MarketMakerState]
    var noiseTraders: [NoiseTraderState]
    var momentumTraders: [MomentumTraderState]
    let totalRate: Double
    let tick: Price
    let tickDouble: Double

    /// A market at `parameters.start`, book empty, agents flat.
    public init(parameters: SimulatedMarketParameters = SimulatedMarketParameters(), seed: UInt64) {
        precondition(parameters.marketMakerCount >= 0 && parameters.noiseTraderCount >= 0 && parameters.momentumTraderCount >= 0)
        self.parameters = parameters
        tick = Price(parameters.tickSize, rounding: .toNearestOrEven)!
        tickDouble = parameters.tickSize
        let rules = VenueInstrumentRules(tickSize: tick, lotSize: Quantity(rawValue: FixedPointScale.scale))
        engine = MatchingEngine(configuration: MatchingEngineConfiguration(
            instrument: parameters.instrument, venue: parameters.venue, rules: rules,
            selfTradePrevention: parameters.selfTradePrevention, orderCapacity: parameters.orderCapacity,
            levelCapacity: 4_096, stopCapacity: 1_024))
        now = parameters.start
        random = SimulationRandom(seed: seed)
        logFairValue = SimulationRandom.log(parameters.initialFairValue)
        makers = Array(repeating: MarketMakerState(), count: parameters.marketMakerCount)
        noiseTraders = (0..<parameters.noiseTraderCount).map { _ in NoiseTraderState(capacity: parameters.noiseMaximumOpenOrders) }
        momentumTraders = Array(repeating: MomentumTraderState(), count: parameters.momentumTraderCount)
        totalRate = Double(parameters.marketMakerCount) * parameters.makerRequoteRate
            + (parameters.noiseTraderCount > 0 ? parameters.noiseMarketableRate + parameters.noisePassiveRate : 0)
            + Double(parameters.momentumTraderCount) * parameters.momentumCheckRate
        nextEventTime = parameters.start
        scheduleNext()
    }

    /// Runs every agent event up to and including `until`, appending the venue's reports
    /// and feed events to `output`. Owner thread only; no allocation within `output`'s
    /// capacity (≈ 10 trades/s with the defaults: a few hundred events per simulated second).
    public mutating func step(until: Timestamp, into output: inout VenueOutput) {
        while nextEventTime <= until {
            let elapsedSeconds = Double((nextEventTime - now).count) * 1e-9
            now = nextEventTime
            advanceFairValue(seconds: elapsedSeconds)
            fireEvent(into: &output)
            scheduleNext()
        }
        if until > now { now = until }
    }

    /// Sends an outside order (a strategy under test) into the venue at the current time.
    public mutating func submit(_ command: OrderCommand, into output: inout VenueOutput) {
        send(command, into: &output)
        agentCommandCount -= 1
    }

    /// Ends the trading day: expires day orders (the agents' quotes included).
    public mutating func endOfDay(into output: inout VenueOutput) {
        let first = output.executions.count, firstMarket = output.marketData.count
        engine.expireDayOrders(time: now, into: &output)
        route(fromExecution: first, fromMarketEvent: firstMarket, output: output)
    }

    /// A fresh client order id for the agents.
    mutating func makeOrderId() -> OrderId {
        defer { nextOrderId += 1 }
        return OrderId(rawValue: 1 << 62 | nextOrderId)
    }

    mutating func advanceFairValue(seconds: Double) {
        guard seconds > 0, parameters.volatilityPerSqrtSecond > 0 || parameters.driftPerSecond != 0 else { return }
        let sigma = parameters.volatilityPerSqrtSecond
        logFairValue += (parameters.driftPerSecond - 0.5 * sigma * sigma) * seconds + sigma * seconds.squareRoot() * random.normal()
    }

    mutating func scheduleNext() {
        guard totalRate > 0 else { nextEventTime = Timestamp(nanosecondsSinceEpoch: .max); return }
        let gapNanos = Swift.max(1, Int64(random.exponential(rate: totalRate) * 1e9))
        nextEventTime = nextEventTime + Nanoseconds(gapNanos)
    }

    /// Submits a command to the engine and routes the resulting reports and trades to the agents.
    mutating func send(_ command: OrderCommand, into output: inout VenueOutput) {
        let first = output.executions.count, firstMarket = output.marketData.count
        agentCommandCount += 1
        if recordsCommands { recordedCommands.append(TimedOrderCommand(command: command, time: now)) }
        engine.submit(command, time: now, into: &output)
        route(fromExecution: first, fromMarketEvent: firstMarket, output: output)
    }
}

/// An order command and the simulated time it reached the venue.
public struct TimedOrderCommand: Sendable, BitwiseCopyable, Equatable {
    public var command: OrderCommand
    public var time: Timestamp
    public init(command: OrderCommand, time: Timestamp) { self.command = command; self.time = time }
}
