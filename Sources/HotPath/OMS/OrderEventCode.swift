import PeregrineCore

/// The outcome of handing the OMS a command or an execution report.
///
/// Codes below `unknownOrder` are normal; the rest are faults, each counted by
/// `OrderManager.count(of:)`. Raw values are stable (journaled and shown by monitors).
@frozen
public enum OrderEventCode: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// The report or command changed the order (and possibly a position).
    case applied = 0
    /// Legal but changes nothing: a repeated acknowledgement, a late ack after a fill, a
    /// status report that agrees, a cancel reject for a request already resolved.
    case noChange = 1
    /// A fill already booked (same venue and ExecID), or a PossDup report that would
    /// otherwise be illegal: applied once, ignored since.
    case duplicate = 2

    /// No order matches the report's ClOrdID, OrigClOrdID or venue OrderID.
    case unknownOrder = 16
    /// The report is not legal in the order's state (a fill on a rejected order, a reject
    /// after an acknowledgement, a replace that was never requested).
    case illegalTransition = 17
    /// The fill would take the cumulative quantity past the order quantity; not applied.
    case overfill = 18
    /// A bust or correction names a fill the ledger does not hold; not applied.
    case unknownExecution = 19
    /// A status report disagrees with the local order (see reconciliation to repair).
    case statusMismatch = 20
    /// The report is malformed (non-positive fill quantity, zero order quantity).
    case invalidReport = 21
    /// `onSend` of a new order whose ClOrdID is already tracked.
    case duplicateOrderId = 24
    /// `onSend` of a new order with every slot in use or still lingering.
    case capacityExhausted = 25
    /// `onSend` of a cancel/replace while the same kind of request is still pending.
    case requestPending = 26
    /// `onSend` of a command with a zero id or quantity, or an account/instrument outside
    /// the position book.
    case invalidCommand = 27
    /// The execution type is not handled (stopped, suspended, calculated).
    case unsupported = 28

    /// Whether the code is a fault (counted for monitors).
    @inlinable public var isFault: Bool { rawValue >= 16 }
}

/// What an OMS call did: a code and the order slot it concerned (`.none` if no order).
@frozen
public struct OrderEventResult: Sendable, BitwiseCopyable, Equatable {
    public var code: OrderEventCode
    public var slot: OrderSlotIndex

    @inlinable public init(code: OrderEventCode, slot: OrderSlotIndex) { self.code = code; self.slot = slot }
    @inlinable public init(_ code: OrderEventCode) { self.code = code; self.slot = .none }
}
