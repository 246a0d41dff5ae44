import PeregrineCore
import PeregrineStrategy

/// A strategy set for latency measurement: one 1-share limit order per two-sided quote,
/// `offset` away from the touch, alternating buy and sell (so the position stays near flat,
/// no risk limit is approached and its own buys and sells never cross — which the risk
/// stage would refuse as a self-match). Used by the wire-to-wire benchmark; the engine's hot loop is
/// pre-specialized for it like for the example strategies.
public struct LatencyProbeStrategies: EngineStrategies {
    public var orders = OrderSink(capacity: 4)
    public var next: UInt64 = 1
    public let strategy: StrategyId
    public let account: AccountId
    public let offset: Price

    public init(strategy: StrategyId = StrategyId(rawValue: 7), account: AccountId = AccountId(rawValue: 1),
                offset: Price = Price(rawValue: FixedPointScale.scale)) {
        self.strategy = strategy
        self.account = account
        self.offset = offset
    }

    // MARK: hot path begin
    @inlinable
    public mutating func onMarketEvent(_ event: MarketEvent) {
        guard event.kind == .quote, event.bidPrice.rawValue > 0, event.askPrice > event.bidPrice else { return }
        let buy = next & 1 == 0
        orders.tryAppend(OrderCommand(kind: .new, orderId: OrderId(rawValue: UInt64(strategy.rawValue) << 40 | next),
                                      instrument: event.instrument, side: buy ? .buy : .sell, type: .limit,
                                      timeInForce: .day, price: buy ? event.bidPrice - offset : event.askPrice + offset,
                                      quantity: Quantity(rawValue: FixedPointScale.scale), account: account,
                                      strategy: strategy, createdTime: .zero))
        next &+= 1
    }
    @inlinable public mutating func onOrderUpdate(_ event: ExecutionEvent) {}
    @inlinable public mutating func onTimer(_ time: Timestamp) {}
    @inlinable
    public mutating func drain(into sink: inout OrderSink) {
        for i in 0..<orders.count { sink.tryAppend(orders[i]) }
        orders.removeAll()
    }
    // MARK: hot path end

    public mutating func resumeOrderIds(after sequence: UInt64) {
        if next <= sequence { next = sequence &+ 1 }
    }
}
