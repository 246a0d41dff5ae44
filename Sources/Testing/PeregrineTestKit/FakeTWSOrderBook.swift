import Synchronization

/// The order side of the fake TWS: a small book of the orders a client placed, answering as
/// TWS does (openOrder + orderStatus for a placeOrder or modify, orderStatus Cancelled + error
/// 202 for a cancel, 10147 for a cancel of an unknown id, the open orders and executions for
/// reqOpenOrders / reqExecutions), with message layouts taken from the official client's
/// capture (`../shared/protocols/tws/wire_ibapi157.jsonl`).
///
/// Shared between the fake's thread and the test (one mutex): the test picks the behaviour
/// (`mode`, duplicate statuses, fill message order), fills orders at any time (also while the
/// client is disconnected: the fill is then only in the book, as at a real broker) and builds
/// frames to script anything else.
public final class FakeTWSOrderBook: Sendable {
    /// What the fake does with a new order.
    public enum Mode: Sendable, Equatable {
        /// Records it (and cancels and modifies); answers nothing (the test scripts the answers).
        case record
        /// openOrder + orderStatus Submitted.
        case acknowledge
        /// Acknowledges, then fills it whole at its limit price.
        case fill
        /// Acknowledges, then fills this many shares of it at its limit price.
        case partialFill(Int64)
    }

    /// One order as the fake holds it.
    public struct Order: Sendable, Equatable {
        public var id: Int64
        public var symbol: String
        public var action: String
        public var quantity: Int64
        public var type: String
        public var price: String
        public var timeInForce: String
        public var account: String
        public var clientId: Int64
        public var permId: Int64
        public var filled: Int64 = 0
        public var filledNotional: Double = 0
        /// Submitted, Filled, Cancelled.
        public var status = "Submitted"

        public init(id: Int64, symbol: String, action: String, quantity: Int64, type: String, price: String, timeInForce: String,
                    account: String, clientId: Int64, permId: Int64) {
            self.id = id; self.symbol = symbol; self.action = action; self.quantity = quantity; self.type = type
            self.price = price; self.timeInForce = timeInForce; self.account = account; self.clientId = clientId; self.permId = permId
        }
        public var isOpen: Bool { status == "Submitted" || status == "PreSubmitted" || status == "PendingCancel" }
        public var averagePrice: Double { filled > 0 ? filledNotional / Double(filled) : 0 }
    }

    /// One execution the fake reported (or holds for reqExecutions).
    public struct Execution: Sendable, Equatable {
        public var orderId: Int64
        public var executionId: String
        public var shares: Int64
        public var price: Double
        public var cumulative: Int64
        public var averagePrice: Double

        public init(orderId: Int64, executionId: String, shares: Int64, price: Double, cumulative: Int64, averagePrice: Double) {
            self.orderId = orderId; self.executionId = executionId; self.shares = shares; self.price = price
            self.cumulative = cumulative; self.averagePrice = averagePrice
        }
    }

    struct State: Sendable {
        var mode = Mode.acknowledge
        var duplicateStatuses = false
        var executionsBeforeStatus = true
        var nextValidId: Int64 = 1
        var clientId: Int64 = 0
        var orders: [Int64: Order] = [:]
        var executions: [Execution] = []
        var placeOrders = 0
        var modifies = 0
        var cancels = 0
        var nextPermId: Int64 = 5_000
        var nextExecution = 1
    }

    let state: Mutex<State>

    public init(mode: Mode = .acknowledge, nextValidId: Int64 = 1) {
        var s = State()
        s.mode = mode
        s.nextValidId = nextValidId
        state = Mutex(s)
    }

    /// Behaviour switches (any thread).
    public var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }
    /// Send every orderStatus twice (TWS does repeat them).
    public var duplicateStatuses: Bool {
        get { state.withLock { $0.duplicateStatuses } }
        set { state.withLock { $0.duplicateStatuses = newValue } }
    }
    /// execDetails before orderStatus Filled (TWS's usual order) or after it.
    public var executionsBeforeStatus: Bool {
        get { state.withLock { $0.executionsBeforeStatus } }
        set { state.withLock { $0.executionsBeforeStatus = newValue } }
    }
    public var nextValidId: Int64 { state.withLock { $0.nextValidId } }
    /// The client id of the last startApi (stamped on orders and executions).
    public var clientId: Int64 {
        get { state.withLock { $0.clientId } }
        set { state.withLock { $0.clientId = newValue } }
    }
    public var orders: [Int64: Order] { state.withLock { $0.orders } }
    public var executions: [Execution] { state.withLock { $0.executions } }
    public var placeOrderCount: Int { state.withLock { $0.placeOrders } }
    public var modifyCount: Int { state.withLock { $0.modifies } }
    public var cancelCount: Int { state.withLock { $0.cancels } }

    /// Fills `shares` of order `id` at `price` in the book and returns the frames TWS would
    /// send (execDetails and orderStatus, in the configured order); the test sends them, or
    /// not (a fill while the client is away).
    public func fill(_ id: Int64, shares: Int64, price: Double) -> [[String]] {
        state.withLock { s in Self.fill(&s, id, shares: shares, price: price) }
    }

    /// Puts an order into the book as if an earlier client session had placed it.
    public func add(_ order: Order) {
        state.withLock { s in
            s.orders[order.id] = order
            s.nextValidId = max(s.nextValidId, order.id + 1)
        }
    }

    /// Cancels order `id` in the book (as the broker would, e.g. at the end of its time in
    /// force) and returns the orderStatus TWS would send.
    public func cancel(_ id: Int64) -> [[String]] {
        state.withLock { s in
            guard var order = s.orders[id], order.isOpen else { return [] }
            order.status = "Cancelled"
            s.orders[id] = order
            return Self.status(order, false)
        }
    }

    /// The replies to one client frame (called on the fake's thread).
    func answer(_ f: [String]) -> [[String]] {
        state.withLock { s in
            switch f.first {
            case "3" where f.count >= 24:
                guard let id = Int64(f[1]) else { return [] }
                s.nextValidId = max(s.nextValidId, id + 1)
                if var existing = s.orders[id] {
                    s.modifies += 1
                    if s.mode == .record { return [] }
                    guard existing.isOpen else { return [["4", "2", String(id), "104", "Cannot modify a filled order."]] }
                    existing.quantity = Int64(Double(f[17]) ?? 0)
                    existing.price = f[19]
                    s.orders[id] = existing
                    return [Self.openOrder(existing)] + Self.status(existing, s.duplicateStatuses)
                }
                s.placeOrders += 1
                s.nextPermId += 1
                let order = Order(id: id, symbol: f[3], action: f[16], quantity: Int64(Double(f[17]) ?? 0), type: f[18],
                                  price: f[19], timeInForce: f[21], account: f[23], clientId: s.clientId, permId: s.nextPermId)
                s.orders[id] = order
                var out: [[String]] = []
                switch s.mode {
                case .record:
                    return []
                case .acknowledge:
                    break
                case .fill:
                    out = Self.fill(&s, id, shares: order.quantity, price: Double(order.price) ?? 0)
                case .partialFill(let n):
                    out = Self.fill(&s, id, shares: min(n, order.quantity), price: Double(order.price) ?? 0)
                }
                return [Self.openOrder(order)] + Self.status(order, s.duplicateStatuses) + out
            case "4" where f.count >= 3:
                guard let id = Int64(f[2]) else { return [] }
                s.cancels += 1
                if s.mode == .record { return [] }
                guard var order = s.orders[id] else {
                    return [["4", "2", String(id), "10147", "OrderId \(id) that needs to be cancelled is not found."]]
                }
                guard order.isOpen else {
                    return [["4", "2", String(id), "10148", "OrderId \(id) that needs to be cancelled cannot be cancelled, state: \(order.status)."]]
                }
                order.status = "Cancelled"
                s.orders[id] = order
                return Self.status(order, s.duplicateStatuses) + [["4", "2", String(id), "202", "Order Canceled - reason:"]]
            case "5":
                var out: [[String]] = []
                for order in s.orders.values.sorted(by: { $0.id < $1.id }) where order.isOpen {
                    out.append(Self.openOrder(order))
                    out += Self.status(order, false)
                }
                out.append(["53", "1"])
                return out
            case "7" where f.count >= 4:
                let requestId = f[2]
                var out: [[String]] = []
                for x in s.executions {
                    guard let order = s.orders[x.orderId] else { continue }
                    out.append(Self.execDetails(order, x, requestId: requestId))
                }
                out.append(["55", "1", requestId])
                return out
            default:
                return []
            }
        }
    }

    static func fill(_ s: inout State, _ id: Int64, shares: Int64, price: Double) -> [[String]] {
        guard var order = s.orders[id], order.isOpen, shares > 0 else { return [] }
        let n = min(shares, order.quantity - order.filled)
        guard n > 0 else { return [] }
        order.filled += n
        order.filledNotional += Double(n) * price
        if order.filled >= order.quantity { order.status = "Filled" }
        s.orders[id] = order
        let x = Execution(orderId: id, executionId: String(format6(s.nextExecution)) + ".01.01", shares: n, price: price,
                          cumulative: order.filled, averagePrice: order.averagePrice)
        s.nextExecution += 1
        s.executions.append(x)
        let details = execDetails(order, x, requestId: "-1")
        let statuses = status(order, s.duplicateStatuses, lastFill: price)
        return s.executionsBeforeStatus ? [details] + statuses : statuses + [details]
    }

    static func format6(_ n: Int) -> String {
        let digits = String(n, radix: 16)
        return "0000e1a7." + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() ? String(Int64(v)) + ".0" : String(v)
    }

    /// orderStatus (3): id, status, filled, remaining, avgFillPrice, permId, parentId,
    /// lastFillPrice, clientId, whyHeld, mktCapPrice (the capture's layout).
    public static func orderStatus(id: Int64, status: String, filled: Int64, remaining: Int64, averagePrice: Double = 0,
                                   permId: Int64 = 0, lastFillPrice: Double = 0, clientId: Int64 = 0) -> [String] {
        ["3", String(id), status, String(filled), number(Double(remaining)), averagePrice == 0 ? "0" : number(averagePrice),
         String(permId), "0", lastFillPrice == 0 ? "0" : number(lastFillPrice), String(clientId), "", "0"]
    }

    static func status(_ o: Order, _ twice: Bool, lastFill: Double = 0) -> [[String]] {
        let one = orderStatus(id: o.id, status: o.status, filled: o.filled, remaining: o.status == "Cancelled" ? 0 : o.quantity - o.filled,
                              averagePrice: o.averagePrice, permId: o.permId, lastFillPrice: lastFill, clientId: o.clientId)
        return twice ? [one, one] : [one]
    }

    /// openOrder (5) at server version 157: the capture's 120 fields with this order's values.
    public static func openOrder(_ o: Order) -> [String] {
        var f = openOrderTemplate
        f[1] = String(o.id); f[3] = o.symbol; f[11] = o.symbol
        f[13] = o.action; f[14] = String(o.quantity); f[15] = o.type; f[16] = o.price; f[18] = o.timeInForce
        f[20] = o.account; f[24] = String(o.clientId); f[25] = String(o.permId); f[86] = o.status
        return f
    }

    /// execDetails (11) at server version 157 (the capture's layout).
    public static func execDetails(_ o: Order, _ x: Execution, requestId: String) -> [String] {
        ["11", requestId, String(o.id), "0", o.symbol, "STK", "", "0.0", "", "", "SMART", "USD", o.symbol, "NMS", x.executionId,
         "20261125  23:15:51", o.account, "ISLAND", o.action == "BUY" ? "BOT" : "SLD", number(Double(x.shares)), number(x.price),
         String(o.permId), String(o.clientId), "0", number(Double(x.cumulative)), number(x.averagePrice), "", "", "", "", "1"]
    }

    static let openOrderTemplate: [String] = [
        "5", "1", "0", "AAPL", "STK", "", "0", "", "", "SMART", "USD", "AAPL", "NMS", "BUY", "100", "LMT", "189.52", "", "DAY", "",
        "DU123456", "O", "0", "", "7", "1001", "0", "0", "0", "", "", "", "", "", "", "", "", "", "", "", "0", "", "-1", "0", "",
        "", "", "", "", "0", "0", "0", "0", "", "3", "0", "0", "", "0", "0", "", "0", "", "", "0", "0", "", "", "", "", "", "0",
        "0", "0", "", "", "", "", "0", "", "", "0", "0", "", "0", "0", "Submitted", "", "", "", "", "", "", "", "", "", "", "",
        "", "", "", "0", "0", "0", "None", "", "", "", "", "", "", "0", "", "", "", "", "0", "0", "0", "0",
    ]
}
