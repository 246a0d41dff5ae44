import PeregrineCore
import PeregrineSimVenue

/// Small builders shared by the venue tests.
enum V {
    static let instrument = InstrumentId(rawValue: 7)
    static let t0 = Timestamp(year: 2026, month: 1, day: 2, hour: 14, minute: 30)!
    static let alice = AccountId(rawValue: 1)
    static let bob = AccountId(rawValue: 2)
    static let carol = AccountId(rawValue: 3)

    static func px(_ cents: Int64) -> Price { Price(rawValue: cents * 1_000_000) }
    static func qty(_ shares: Int64) -> Quantity { Quantity(rawValue: shares * 100_000_000) }

    static func engine(_ prevention: SelfTradePrevention = .cancelResting, orders: Int = 1_024) -> MatchingEngine {
        MatchingEngine(configuration: MatchingEngineConfiguration(instrument: instrument, venue: VenueId(rawValue: 3),
                                                                  selfTradePrevention: prevention, orderCapacity: orders,
                                                                  levelCapacity: 256, stopCapacity: 64))
    }

    static func new(_ id: UInt64, _ side: Side, _ cents: Int64, _ shares: Int64, account: AccountId = alice,
                    type: OrderType = .limit, tif: TimeInForce = .day, stopCents: Int64 = 0) -> OrderCommand {
        OrderCommand(kind: .new, orderId: OrderId(rawValue: id), instrument: instrument, side: side, type: type,
                     timeInForce: tif, price: px(cents), stopPrice: px(stopCents), quantity: qty(shares),
                     account: account, strategy: StrategyId(rawValue: 1), createdTime: t0)
    }

    static func cancel(_ id: UInt64, original: UInt64, account: AccountId = alice) -> OrderCommand {
        OrderCommand(kind: .cancel, orderId: OrderId(rawValue: id), originalOrderId: OrderId(rawValue: original),
                     instrument: instrument, side: .buy, type: .limit, timeInForce: .day, price: .zero, quantity: .zero,
                     account: account, strategy: StrategyId(rawValue: 1), createdTime: t0)
    }

    static func replace(_ id: UInt64, original: UInt64, _ side: Side, _ cents: Int64, _ shares: Int64,
                        account: AccountId = alice) -> OrderCommand {
        OrderCommand(kind: .replace, orderId: OrderId(rawValue: id), originalOrderId: OrderId(rawValue: original),
                     instrument: instrument, side: side, type: .limit, timeInForce: .day, price: px(cents),
                     quantity: qty(shares), account: account, strategy: StrategyId(rawValue: 1), createdTime: t0)
    }
}

extension MatchingEngine {
    /// Submits and returns just this call's output.
    mutating func run(_ command: OrderCommand) -> VenueOutput {
        var output = VenueOutput(executionCapacity: 64, marketDataCapacity: 64)
        submit(command, time: V.t0, into: &output)
        return output
    }
}

extension VenueOutput {
    var fills: [ExecutionEvent] { executions.filter { $0.executionType == .trade } }
    var trades: [MarketEvent] { marketData.filter { $0.kind == .trade } }
    func reports(_ id: UInt64) -> [ExecutionEvent] { executions.filter { $0.orderId.rawValue == id } }
}
