import PeregrineCore
import PeregrineOMS
import PeregrineTestKit

/// Whole units and prices for readable tests.
func qty(_ units: Int64) -> Quantity { Quantity(units: units)! }
func px(_ text: String) -> Price { Price(text)! }
func px(_ units: Int64) -> Price { Price(units: units)! }
func id(_ raw: UInt64) -> OrderId { OrderId(rawValue: raw) }

let testVenue = VenueId(rawValue: 3)
let testAccount = AccountId(rawValue: 1)
let testInstrument = InstrumentId(rawValue: 7)

/// SplitMix64: a small deterministic PRNG for the randomized tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An `OrderManager` driven by a manual clock, with builders for commands and reports.
struct OMSHarness {
    var oms: OrderManager
    let clock = ManualClock()
    var nextExecutionId: UInt64 = 1_000

    init(capacity: Int = 64, executions: Int = 256, linger: Nanoseconds = .seconds(10), fees: FeeSchedule = FeeSchedule()) {
        oms = OrderManager(configuration: OMSConfiguration(orderCapacity: capacity, executionCapacity: executions,
                                                           linger: linger, accountCount: 4, instrumentCount: 16,
                                                           fees: fees))
    }

    func command(_ kind: OrderCommandKind, _ orderId: UInt64, original: UInt64 = 0, side: Side = .buy,
                 quantity: Int64 = 100, price: Price = px(50), account: AccountId = testAccount,
                 instrument: InstrumentId = testInstrument) -> OrderCommand {
        OrderCommand(kind: kind, orderId: id(orderId), originalOrderId: id(original), instrument: instrument, side: side,
                     type: .limit, timeInForce: .day, price: price, quantity: qty(quantity), account: account,
                     strategy: StrategyId(rawValue: 2), venue: testVenue, createdTime: clock.now())
    }

    @discardableResult
    mutating func send(_ orderId: UInt64, side: Side = .buy, quantity: Int64 = 100, price: Price = px(50),
                       account: AccountId = testAccount, instrument: InstrumentId = testInstrument) -> OrderEventResult {
        oms.onSend(command(.new, orderId, side: side, quantity: quantity, price: price, account: account,
                           instrument: instrument), now: clock.now())
    }

    @discardableResult
    mutating func sendCancel(_ cancelId: UInt64, of original: UInt64) -> OrderEventResult {
        oms.onSend(command(.cancel, cancelId, original: original), now: clock.now())
    }

    @discardableResult
    mutating func sendReplace(_ newId: UInt64, of original: UInt64, quantity: Int64, price: Price = px(50)) -> OrderEventResult {
        oms.onSend(command(.replace, newId, original: original, quantity: quantity, price: price), now: clock.now())
    }

    func report(_ type: ExecutionType, _ orderId: UInt64, original: UInt64 = 0, status: OrderStatus = .new,
                venueOrderId: UInt64 = 0) -> ExecutionEvent {
        var e = ExecutionEvent()
        e.executionType = type
        e.orderStatus = status
        e.orderId = id(orderId)
        e.originalOrderId = id(original)
        e.venueOrderId = venueOrderId
        e.venue = testVenue
        e.account = testAccount
        e.instrument = testInstrument
        e.receiveTime = clock.now()
        e.transactTime = clock.now()
        return e
    }

    @discardableResult
    mutating func apply(_ type: ExecutionType, _ orderId: UInt64, original: UInt64 = 0, status: OrderStatus = .new,
                        venueOrderId: UInt64 = 0, flags: ExecutionFlags = []) -> OrderEventResult {
        var e = report(type, orderId, original: original, status: status, venueOrderId: venueOrderId)
        e.flags = flags.rawValue
        return oms.onExecution(e)
    }

    /// A fill report; `executionId` 0 takes the next fresh one.
    func fillReport(_ orderId: UInt64, quantity: Int64, price: Price = px(50), executionId: UInt64) -> ExecutionEvent {
        var e = report(.trade, orderId, status: .partiallyFilled)
        e.executionId = executionId
        e.lastQuantity = qty(quantity)
        e.lastPrice = price
        return e
    }

    @discardableResult
    mutating func fill(_ orderId: UInt64, quantity: Int64, price: Price = px(50), executionId: UInt64 = 0,
                       flags: ExecutionFlags = []) -> OrderEventResult {
        var exec = executionId
        if exec == 0 { nextExecutionId += 1; exec = nextExecutionId }
        var e = fillReport(orderId, quantity: quantity, price: price, executionId: exec)
        e.flags = flags.rawValue
        return oms.onExecution(e)
    }

    func status(_ orderId: UInt64) -> OrderStatus? { oms.order(id(orderId))?.status }
    func filled(_ orderId: UInt64) -> Quantity? { oms.order(id(orderId))?.filledQuantity }
    var position: Position { oms.position(account: testAccount, instrument: testInstrument) }

    /// Drives a fresh order `orderId` into `status` with the usual reports.
    mutating func prepare(_ orderId: UInt64, in status: OrderStatus) {
        send(orderId)
        switch status {
        case .pendingNew: break
        case .new: apply(.new, orderId)
        case .partiallyFilled: apply(.new, orderId); fill(orderId, quantity: 40)
        case .filled: apply(.new, orderId); fill(orderId, quantity: 100)
        case .pendingCancel: apply(.new, orderId); sendCancel(orderId + 500, of: orderId)
        case .pendingReplace: apply(.new, orderId); sendReplace(orderId + 600, of: orderId, quantity: 80)
        case .canceled: apply(.new, orderId); apply(.canceled, orderId, status: .canceled)
        case .rejected: apply(.rejected, orderId, status: .rejected)
        case .expired: apply(.new, orderId); apply(.expired, orderId, status: .expired)
        case .doneForDay: apply(.new, orderId); apply(.doneForDay, orderId, status: .doneForDay)
        default: fatalError("not a prepared state: \(status)")
        }
    }
}
