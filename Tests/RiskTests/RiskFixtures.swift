import PeregrineCore
import PeregrineRisk
import PeregrineTestKit
import Synchronization

/// Shared set-up for the risk tests: three instruments (AAPL tick 0.01 lot 1, ES tick 0.25
/// multiplier 50, BTC tick 0.5 lot 0.001), accounts A and B, venues NYSE and CME.
enum Fixture {
    static let aapl = InstrumentId(rawValue: 0)
    static let es = InstrumentId(rawValue: 1)
    static let btc = InstrumentId(rawValue: 2)
    static let accountA = AccountId(rawValue: 0)
    static let accountB = AccountId(rawValue: 1)
    static let nyse = VenueId(rawValue: 0)
    static let cme = VenueId(rawValue: 1)
    static let start = Timestamp(year: 2026, month: 1, day: 2, hour: 14, minute: 30)!

    static let registry: InstrumentRegistry = try! InstrumentRegistry([
        ("AAPL", "NASDAQ", "USD", Price("0.01")!, Quantity("1")!, 1),
        ("ES", "CME", "USD", Price("0.25")!, Quantity("1")!, 50),
        ("BTC", "COIN", "USD", Price("0.5")!, Quantity("0.001")!, 1),
    ])

    /// Limits with every check off, sized for the fixture.
    static func limits(_ configure: (inout RiskLimits) -> Void = { _ in }) -> RiskLimits {
        var l = RiskLimits(instrumentCount: 3, accountCount: 2, venueCount: 2)
        l.adopt(registry)
        l.accountNames = ["A", "B"]
        l.venueNames = ["NYSE", "CME"]
        configure(&l)
        return l
    }
}

private let orderIds = Atomic<UInt64>(1)

/// A fresh order id (unique across the test process).
func nextOrderId() -> OrderId { OrderId(rawValue: orderIds.add(1, ordering: .relaxed).newValue) }

func p(_ text: String) -> Price { Price(text)! }
func q(_ text: String) -> Quantity { Quantity(text)! }

/// A new order (limit buy 100 AAPL @ 100 for account A by default).
func order(_ side: Side = .buy, _ quantity: String = "100", at price: String = "100",
           instrument: InstrumentId = Fixture.aapl, account: AccountId = Fixture.accountA,
           type: OrderType = .limit, timeInForce: TimeInForce = .day, venue: VenueId = .none,
           time: Timestamp = Fixture.start) -> OrderCommand {
    OrderCommand(kind: .new, orderId: nextOrderId(), instrument: instrument, side: side, type: type,
                 timeInForce: timeInForce, price: Price(price)!, quantity: Quantity(quantity)!, account: account,
                 strategy: StrategyId(rawValue: 1), venue: venue, createdTime: time)
}

/// An execution report for `order`.
func execution(_ type: ExecutionType, for order: OrderCommand, lastQuantity: String = "0", lastPrice: String = "0",
               leaves: String = "0", cumulative: String = "0", time: Timestamp = Fixture.start) -> ExecutionEvent {
    var e = ExecutionEvent()
    e.transactTime = time
    e.receiveTime = time
    e.orderId = order.orderId
    e.originalOrderId = order.originalOrderId
    e.executionType = type
    e.orderStatus = type == .trade ? (Quantity(leaves)!.rawValue == 0 ? .filled : .partiallyFilled) : .canceled
    e.instrument = order.instrument
    e.account = order.account
    e.side = order.side
    e.price = order.price
    e.orderQuantity = order.quantity
    e.lastQuantity = Quantity(lastQuantity)!
    e.lastPrice = Price(lastPrice)!
    e.leavesQuantity = Quantity(leaves)!
    e.cumulativeQuantity = Quantity(cumulative)!
    return e
}

extension PreTradeRisk {
    /// Checks `order` at the fixture's start time (or `now`).
    mutating func decide(_ order: OrderCommand, now: Timestamp = Fixture.start) -> RiskDecision { check(order, now: now) }
}
