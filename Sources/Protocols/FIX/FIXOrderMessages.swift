import PeregrineCore

// Design note — FIX order flow ↔ Peregrine events
//
// * Venue side (a simulated exchange receiving orders): NewOrderSingle, OrderCancelRequest and
//   OrderCancelReplaceRequest become `OrderCommand`s. Peregrine's `OrderId` is a 64-bit number
//   and ClOrdID is its decimal text, so the simulated venue requires numeric ClOrdID and
//   OrigClOrdID (1 … 2⁶⁴−1); any other text is `.badValue`. Symbol (55) must be in the
//   `FIXSymbolTable` (`.unknownSymbol` otherwise). The account and venue come from the
//   session (parameters), not from the message; `createdTime` is the receive time.
// * Engine side (receiving from a venue): ExecutionReport and OrderCancelReject become
//   `ExecutionEvent`s shaped for `OrderManager.onExecution`, which finds the order by ClOrdID,
//   then OrigClOrdID, then (venue, OrderID). So lenience where the OMS has a fallback: a
//   non-numeric ClOrdID/OrigClOrdID (an order not entered by Peregrine) becomes `.none`, an
//   unknown or absent Symbol becomes `InstrumentId.none`. Venue ids are text: OrderID and
//   ExecID in canonical decimal (no sign, no leading zero) are taken as numbers, `NONE` as 0,
//   anything else as its 64-bit FNV-1a hash (stable across runs and processes, never 0), so
//   fills deduplicate and busts find their fill.
// * Busts and corrections (ExecType H/G, or FIX 4.2 ExecTransType 1/2) carry the *referenced*
//   fill's id in `executionId` — ExecRefID (19) when present, else ExecID — as the OMS design
//   note asks. FIX 4.2 ExecType 1/2 (partial fill / fill) are trades; ExecTransType 3 and
//   ExecType I are status answers (`.orderStatus` plus the `.statusResponse` flag, also set
//   when MassStatusReqID 584 or OrdStatusReqID 790 is present). FIX 4.2 OrdStatus 5
//   (Replaced) becomes new / partially filled / filled by CumQty and LeavesQty.
// * OrderCancelReject becomes `executionType = .rejected` with `ExecutionFlags.cancelRejected`
//   (exactly what `OrderManager`, `PreTradeRisk` and the simulated venue use), OrdStatus from
//   39, `orderId` = ClOrdID of the refused request (the OMS tells a refused replace from a
//   refused cancel by comparing it with the pending replace id), CxlRejReason in
//   `rejectReason`. CxlRejResponseTo (434) is checked but not kept (the event has no field).
// * PossDupFlag (43) or PossResend (97) = Y → `.possibleDuplicate`; LastLiquidityInd (851) = 1
//   → `.liquidityAdded`.
// * Every decoder reads fields on demand from the parser's view: no allocation, no
//   existentials, no throws; O(fields read), each an O(1) tag lookup. The first problem found
//   (in reading order) is returned.

/// Why an order-flow message could not become an `OrderCommand` or `ExecutionEvent`.
///
/// Trivially copyable; returned in a `Result`, never thrown. Use `sessionRejectReason` and
/// `tag` to answer the sender.
@frozen
public enum FIXOrderMessageError: Error, Sendable, Equatable {
    /// A required tag is absent.
    case missingField(tag: Int)
    /// A tag is present but empty, unparsable, out of range, or not an enumeration code this
    /// decoder knows (also MsgType (35) when the message is not the decoder's type).
    case badValue(tag: Int)
    /// Symbol (55) is not in the `FIXSymbolTable`.
    case unknownSymbol

    /// The SessionRejectReason (373) a receiver should answer with — 1 required tag missing,
    /// 5 value incorrect, 6 incorrect data format — or `nil` when a BusinessMessageReject
    /// (380=2 unknown security) or an order reject (OrdRejReason 1 unknown symbol) fits better.
    ///
    /// `.badValue` cannot tell a bad format from a bad range, so it maps by tag: TransactTime
    /// (a timestamp, which has no range) gives 6; every other tag gives 5 (a session that
    /// validates against its dictionary has already answered format errors with 6, so what
    /// reaches the decoder is a range or policy problem, e.g. OrderQty ≤ 0 or a non-numeric
    /// ClOrdID at the simulated venue). O(1), no allocation.
    @inlinable
    public var sessionRejectReason: FIXSessionRejectReason? {
        switch self {
        case .missingField: return .requiredTagMissing
        case .badValue(let tag): return tag == FIXTag.transactTime ? .incorrectDataFormat : .valueIsIncorrect
        case .unknownSymbol: return nil
        }
    }

    /// The tag concerned (RefTagID 371): the missing or bad tag, or Symbol (55). O(1).
    @inlinable
    public var tag: Int {
        switch self {
        case .missingField(let tag), .badValue(let tag): return tag
        case .unknownSymbol: return FIXTag.symbol
        }
    }
}

/// Decoders from FIX order-flow messages to Peregrine's fixed-size events (the encoders are
/// in `FIXEncoder+Orders.swift`). See the design note at the top of this file.
///
/// Every decoder: thread — the caller's (pure functions of their arguments; the view must be
/// valid, i.e. its parser not re-used meanwhile); no allocation, no existentials, no throws;
/// O(fields read). Errors come back as `FIXOrderMessageError` in the `Result`; no input makes
/// a decoder trap.
public enum FIXOrderMessages {
    // MARK: - Venue side

    /// A NewOrderSingle (35=D) as an `OrderCommand` of kind `.new`.
    ///
    /// Reads ClOrdID (11, required, numeric: see the type's note), Symbol (55, required, in
    /// `symbols`), Side (54), OrdType (40), TimeInForce (59, default day), OrderQty (38, > 0),
    /// Price (44, required for limit and stop-limit, else 0) and StopPx (99, required for stop
    /// and stop-limit, else 0). `account` and `venue` come from the session; `createdTime` is
    /// `receiveTime`; the strategy is 0. Other tags (Account 1, HandlInst 21, TransactTime 60)
    /// are ignored.
    public static func decodeNewOrderSingle(_ m: FIXMessageView, symbols: borrowing FIXSymbolTable, account: AccountId,
                                            venue: VenueId, receiveTime: Timestamp) -> Result<OrderCommand, FIXOrderMessageError> {
        decodeOrder(m, kind: .new, symbols: symbols, account: account, venue: venue, receiveTime: receiveTime)
    }

    /// An OrderCancelRequest (35=F) as an `OrderCommand` of kind `.cancel`.
    ///
    /// Reads OrigClOrdID (41, required, numeric) into `originalOrderId`, ClOrdID (11, required,
    /// numeric), Symbol (55, required, in `symbols`), Side (54) and OrderQty (38, optional;
    /// > 0 when present, else 0). Type, time in force and prices keep `OrderCommand()`'s
    /// defaults (limit, day, 0).
    public static func decodeOrderCancelRequest(_ m: FIXMessageView, symbols: borrowing FIXSymbolTable,
                                                account: AccountId, venue: VenueId,
                                                receiveTime: Timestamp) -> Result<OrderCommand, FIXOrderMessageError> {
        decodeOrder(m, kind: .cancel, symbols: symbols, account: account, venue: venue, receiveTime: receiveTime)
    }

    /// An OrderCancelReplaceRequest (35=G) as an `OrderCommand` of kind `.replace`: the
    /// fields of `decodeNewOrderSingle` plus OrigClOrdID (41, required, numeric).
    public static func decodeOrderCancelReplaceRequest(_ m: FIXMessageView, symbols: borrowing FIXSymbolTable,
                                                       account: AccountId, venue: VenueId,
                                                       receiveTime: Timestamp) -> Result<OrderCommand, FIXOrderMessageError> {
        decodeOrder(m, kind: .replace, symbols: symbols, account: account, venue: venue, receiveTime: receiveTime)
    }

    static func decodeOrder(_ m: FIXMessageView, kind: OrderCommandKind, symbols: borrowing FIXSymbolTable,
                            account: AccountId, venue: VenueId,
                            receiveTime: Timestamp) -> Result<OrderCommand, FIXOrderMessageError> {
        let expected: FIXMessageType = kind == .new ? .newOrderSingle : kind == .cancel ? .orderCancelRequest
            : .orderCancelReplaceRequest
        guard m.messageType == expected else { return .failure(.badValue(tag: FIXTag.msgType)) }
        var f = FIXOrderFieldReader(m)
        var command = OrderCommand()
        command.kind = kind
        command.account = account
        command.venue = venue
        command.createdTime = receiveTime
        if kind != .new { command.originalOrderId = f.venueSideOrderId(FIXTag.origClOrdID) }
        command.orderId = f.venueSideOrderId(FIXTag.clOrdID)
        if let symbol = f.bytes(FIXTag.symbol, required: true) {
            if let id = symbols.lookup(symbol) { command.instrument = id } else { f.fail(.unknownSymbol) }
        }
        command.side = f.code(FIXTag.side, Side.self, required: true) ?? .buy
        if kind == .cancel {
            command.quantity = f.quantity(FIXTag.orderQty, required: false, positive: true) ?? .zero
        } else {
            command.type = f.code(FIXTag.ordType, OrderType.self, required: true) ?? .limit
            command.timeInForce = f.code(FIXTag.timeInForce, TimeInForce.self, required: false) ?? .day
            command.quantity = f.quantity(FIXTag.orderQty, required: true, positive: true) ?? .zero
            if command.type.hasLimitPrice { command.price = f.price(FIXTag.price, required: true) ?? .zero }
            if command.type.hasStopPrice { command.stopPrice = f.price(FIXTag.stopPx, required: true) ?? .zero }
        }
        if let error = f.error { return .failure(error) }
        return .success(command)
    }

    // MARK: - Engine side

    /// An ExecutionReport (35=8) as an `ExecutionEvent` for `OrderManager.onExecution`.
    ///
    /// Required: OrderID (37), ExecID (17), ExecType (150), OrdStatus (39), Side (54),
    /// LeavesQty (151), CumQty (14). Optional (0 / `.none` when absent): ClOrdID (11) and
    /// OrigClOrdID (41) (`.none` also when not numeric), ExecTransType (20), OrdRejReason
    /// (103), Symbol (55; `InstrumentId.none` when absent or not in `symbols` — the OMS finds
    /// orders by id, so this is not an error), OrderQty (38), Price (44), LastQty/LastShares
    /// (32), LastPx (31), AvgPx (6), TransactTime (60), ExecRefID (19), LastLiquidityInd
    /// (851). Quantities must not be negative. `venue` and `receiveTime` are stamped on the
    /// event; account and strategy stay 0 (the OMS knows them from the order). Id, ExecType,
    /// status and flag mapping: see the design note at the top of this file.
    public static func decodeExecutionReport(_ m: FIXMessageView, symbols: borrowing FIXSymbolTable, venue: VenueId,
                                             receiveTime: Timestamp) -> Result<ExecutionEvent, FIXOrderMessageError> {
        guard m.messageType == .executionReport else { return .failure(.badValue(tag: FIXTag.msgType)) }
        var f = FIXOrderFieldReader(m)
        var e = ExecutionEvent()
        e.receiveTime = receiveTime
        e.venue = venue
        e.venueOrderId = f.venueId(FIXTag.orderID, required: true)
        e.orderId = f.engineSideOrderId(FIXTag.clOrdID)
        e.originalOrderId = f.engineSideOrderId(FIXTag.origClOrdID)
        e.executionId = f.venueId(FIXTag.execID, required: true)
        var flags = f.headerFlags()
        // ExecType, refined by the FIX 4.2 ExecTransType.
        var type = ExecutionType.new
        if let code = f.char(FIXTag.execType, required: true) {
            switch code {
            case 0x31, 0x32: type = .trade   // FIX 4.2 partial fill / fill
            default:
                if let known = ExecutionType(rawValue: code) { type = known } else { f.fail(.badValue(tag: FIXTag.execType)) }
            }
        }
        if let transaction = f.char(FIXTag.execTransType, required: false) {
            switch transaction {
            case 0x30: break                     // new
            case 0x31: type = .tradeCancel       // cancel (bust)
            case 0x32: type = .tradeCorrect      // correct
            case 0x33: type = .orderStatus       // status
            default: f.fail(.badValue(tag: FIXTag.execTransType))
            }
        }
        e.executionType = type
        if type == .orderStatus || m.contains(FIXTag.massStatusReqID) || m.contains(Self.ordStatusReqIDTag) {
            flags.insert(.statusResponse)
        }
        if type == .tradeCancel || type == .tradeCorrect, m.contains(Self.execRefIDTag) {
            e.executionId = f.venueId(Self.execRefIDTag, required: true)
        }
        let status = f.char(FIXTag.ordStatus, required: true)
        if let reason = f.int(FIXTag.ordRejReason, required: false, in: 0...Int64(UInt16.max)) {
            e.rejectReason = UInt16(truncatingIfNeeded: reason)
        }
        if let symbol = f.bytes(FIXTag.symbol, required: false) { e.instrument = symbols.lookup(symbol) ?? .none }
        e.side = f.code(FIXTag.side, Side.self, required: true) ?? .buy
        e.orderQuantity = f.quantity(FIXTag.orderQty, required: false, positive: false) ?? .zero
        e.price = f.price(FIXTag.price, required: false) ?? .zero
        e.lastQuantity = f.quantity(FIXTag.lastQty, required: false, positive: false) ?? .zero
        e.lastPrice = f.price(FIXTag.lastPx, required: false) ?? .zero
        e.leavesQuantity = f.quantity(FIXTag.leavesQty, required: true, positive: false) ?? .zero
        e.cumulativeQuantity = f.quantity(FIXTag.cumQty, required: true, positive: false) ?? .zero
        e.averagePrice = f.price(FIXTag.avgPx, required: false) ?? .zero
        e.transactTime = f.timestamp(FIXTag.transactTime) ?? .zero
        if let status {
            if let known = OrderStatus(rawValue: status) {
                e.orderStatus = known
            } else if status == 0x35 {   // FIX 4.2 Replaced: the order works on
                e.orderStatus = e.cumulativeQuantity.rawValue == 0 ? .new
                    : e.leavesQuantity.rawValue == 0 ? .filled : .partiallyFilled
            } else {
                f.fail(.badValue(tag: FIXTag.ordStatus))
            }
        }
        if let liquidity = f.char(Self.lastLiquidityIndTag, required: false), liquidity == 0x31 {
            flags.insert(.liquidityAdded)
        }
        e.flags = flags.rawValue
        if let error = f.error { return .failure(error) }
        return .success(e)
    }

    /// An OrderCancelReject (35=9) as an `ExecutionEvent` with `executionType = .rejected`
    /// and the `.cancelRejected` flag — what `OrderManager` and `PreTradeRisk` recognise.
    ///
    /// Required: OrderID (37; `NONE` → 0, text → hash), ClOrdID (11; `.none` when not
    /// numeric), OrdStatus (39), CxlRejResponseTo (434, `1` or `2`; checked, not kept).
    /// Optional: OrigClOrdID (41), CxlRejReason (102 → `rejectReason`), TransactTime (60).
    /// Instrument and side are not in the message (`.none`, `.buy`): the OMS finds the order
    /// by id. `venue`, `receiveTime` and the PossDup flag are stamped as for execution reports.
    public static func decodeOrderCancelReject(_ m: FIXMessageView, venue: VenueId,
                                               receiveTime: Timestamp) -> Result<ExecutionEvent, FIXOrderMessageError> {
        guard m.messageType == .orderCancelReject else { return .failure(.badValue(tag: FIXTag.msgType)) }
        var f = FIXOrderFieldReader(m)
        var e = ExecutionEvent()
        e.receiveTime = receiveTime
        e.venue = venue
        e.executionType = .rejected
        e.venueOrderId = f.venueId(FIXTag.orderID, required: true)
        if f.bytes(FIXTag.clOrdID, required: true) != nil { e.orderId = f.engineSideOrderId(FIXTag.clOrdID) }
        e.originalOrderId = f.engineSideOrderId(FIXTag.origClOrdID)
        if let status = f.char(FIXTag.ordStatus, required: true) {
            if let known = OrderStatus(rawValue: status) {
                e.orderStatus = known
            } else if status == 0x35 {
                e.orderStatus = .new   // FIX 4.2 Replaced: the order works on
            } else {
                f.fail(.badValue(tag: FIXTag.ordStatus))
            }
        }
        e.transactTime = f.timestamp(FIXTag.transactTime) ?? .zero
        if let responseTo = f.char(FIXTag.cxlRejResponseTo, required: true), responseTo != 0x31 && responseTo != 0x32 {
            f.fail(.badValue(tag: FIXTag.cxlRejResponseTo))
        }
        if let reason = f.int(FIXTag.cxlRejReason, required: false, in: 0...Int64(UInt16.max)) {
            e.rejectReason = UInt16(truncatingIfNeeded: reason)
        }
        var flags = f.headerFlags()
        flags.insert(.cancelRejected)
        e.flags = flags.rawValue
        if let error = f.error { return .failure(error) }
        return .success(e)
    }

    // MARK: - Status answers (reconciliation)

    /// Whether an ExecutionReport answers a status request (ExecType I, FIX 4.2
    /// ExecTransType 3, or MassStatusReqID 584 / OrdStatusReqID 790 present) rather than
    /// reporting a live change. O(1) tag lookups, no allocation.
    @inlinable
    public static func isStatusReport(_ m: FIXMessageView) -> Bool {
        guard m.messageType == .executionReport else { return false }
        if let t = m.valueBytes(tag: FIXTag.execType), t.count == 1, t[0] == ExecutionType.orderStatus.rawValue { return true }
        if let t = m.valueBytes(tag: FIXTag.execTransType), t.count == 1, t[0] == 0x33 { return true }
        return m.contains(FIXTag.massStatusReqID) || m.contains(790)
    }

    /// A status ExecutionReport (the answer to OrderMassStatusRequest AF or
    /// OrderStatusRequest H) as a `FIXStatusReport`: the event as `decodeExecutionReport`
    /// gives it (`.orderStatus` with `.statusResponse`; on FIX 4.2 from ExecTransType 3),
    /// plus MassStatusReqID (584) and OrdStatusReqID (790) as ids (see `venueIdentifier`;
    /// 0 when absent), TotNumReports (911, ≥ 0; -1 when absent) and LastRptRequested (912).
    /// A report that is not a status answer is `.badValue(tag: 150)`.
    ///
    /// Thread: the caller's. No allocation. O(fields read).
    public static func decodeStatusReport(_ m: FIXMessageView, symbols: borrowing FIXSymbolTable, venue: VenueId,
                                          receiveTime: Timestamp) -> Result<FIXStatusReport, FIXOrderMessageError> {
        guard isStatusReport(m) else { return .failure(.badValue(tag: FIXTag.execType)) }
        let event: ExecutionEvent
        switch decodeExecutionReport(m, symbols: symbols, venue: venue, receiveTime: receiveTime) {
        case .success(let e): event = e
        case .failure(let error): return .failure(error)
        }
        var f = FIXOrderFieldReader(m)
        var report = FIXStatusReport(event: event)
        report.event.executionType = .orderStatus
        report.event.flags |= ExecutionFlags.statusResponse.rawValue
        report.massStatusRequestID = f.venueId(FIXTag.massStatusReqID, required: false)
        report.orderStatusRequestID = f.venueId(Self.ordStatusReqIDTag, required: false)
        if let total = f.int(Self.totNumReportsTag, required: false, in: 0...Int64(Int32.max)) { report.totalReports = Int(total) }
        report.isLastReport = f.flag(Self.lastRptRequestedTag)
        if let error = f.error { return .failure(error) }
        return .success(report)
    }

    // MARK: - Tags FIXTag does not name yet

    /// ExecRefID: the ExecID a bust or correction refers to.
    static let execRefIDTag = 19
    /// OrdStatusReqID: present when a report answers an OrderStatusRequest.
    static let ordStatusReqIDTag = 790
    /// LastLiquidityInd: 1 added liquidity, 2 removed, 3 routed out.
    static let lastLiquidityIndTag = 851
    /// TotNumReports: how many reports answer the request (FIX 4.4+).
    static let totNumReportsTag = 911
    /// LastRptRequested: Y on the last report answering the request (FIX 4.4+).
    static let lastRptRequestedTag = 912

    // MARK: - Id mapping

    /// A venue id's text as a number: canonical decimal as is, `NONE` as 0, else the 64-bit
    /// FNV-1a hash of the bytes (never 0: 0 means "no id"). O(length), no allocation.
    static func venueIdentifier(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        if bytes.count == 4 && bytes[0] == 0x4E && bytes[1] == 0x4F && bytes[2] == 0x4E && bytes[3] == 0x45 { return 0 }
        if bytes.count == 1 || (bytes.count > 1 && bytes[0] != 0x30), let value = decimal(bytes) { return value }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325                 // FNV-1a offset basis
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }   // FNV prime
        return hash == 0 ? 1 : hash
    }

    /// Decimal digits (1–20, no sign) as a `UInt64`; `nil` for anything else or on overflow.
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit = byte &- 0x30
            guard digit < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }
}

/// Typed reads that remember the first failure, so a decoder reads straight through and
/// checks once at the end. A value type over the view; no allocation.
struct FIXOrderFieldReader {
    let message: FIXMessageView
    private(set) var error: FIXOrderMessageError?

    init(_ message: FIXMessageView) {
        self.message = message
        error = nil
    }

    /// Records `failure` unless an earlier one is recorded.
    mutating func fail(_ failure: FIXOrderMessageError) {
        if error == nil { error = failure }
    }

    /// The non-empty value of `tag`; `nil` when absent (a failure if `required`) or empty.
    mutating func bytes(_ tag: Int, required: Bool) -> UnsafeRawBufferPointer? {
        guard let bytes = message.valueBytes(tag: tag) else {
            if required { fail(.missingField(tag: tag)) }
            return nil
        }
        if bytes.isEmpty {
            fail(.badValue(tag: tag))
            return nil
        }
        return bytes
    }

    /// A one-character value.
    mutating func char(_ tag: Int, required: Bool) -> UInt8? {
        guard let bytes = bytes(tag, required: required) else { return nil }
        guard bytes.count == 1 else { fail(.badValue(tag: tag)); return nil }
        return bytes[0]
    }

    /// A one-character enumeration code (the raw value of `type`).
    mutating func code<Code: RawRepresentable>(_ tag: Int, _ type: Code.Type, required: Bool) -> Code?
        where Code.RawValue == UInt8 {
        guard let byte = char(tag, required: required) else { return nil }
        guard let value = Code(rawValue: byte) else { fail(.badValue(tag: tag)); return nil }
        return value
    }

    /// An integer within `range`.
    mutating func int(_ tag: Int, required: Bool, in range: ClosedRange<Int64>) -> Int64? {
        guard let bytes = bytes(tag, required: required) else { return nil }
        guard let value = FIXValue.int(bytes).value, range.contains(value) else { fail(.badValue(tag: tag)); return nil }
        return value
    }

    mutating func price(_ tag: Int, required: Bool) -> Price? {
        guard let bytes = bytes(tag, required: required) else { return nil }
        guard let value = FIXValue.decimal(bytes, as: Price.self).value else { fail(.badValue(tag: tag)); return nil }
        return value
    }

    /// A quantity ≥ 0, or > 0 when `positive`.
    mutating func quantity(_ tag: Int, required: Bool, positive: Bool) -> Quantity? {
        guard let bytes = bytes(tag, required: required) else { return nil }
        guard let value = FIXValue.decimal(bytes, as: Quantity.self).value,
              value.rawValue > 0 || (!positive && value.rawValue == 0) else { fail(.badValue(tag: tag)); return nil }
        return value
    }

    /// An optional UTCTimestamp.
    mutating func timestamp(_ tag: Int) -> Timestamp? {
        guard let bytes = bytes(tag, required: false) else { return nil }
        guard let value = FIXValue.timestamp(bytes).value else { fail(.badValue(tag: tag)); return nil }
        return value
    }

    /// A required engine order id at the venue: decimal, 1 … 2⁶⁴−1.
    mutating func venueSideOrderId(_ tag: Int) -> OrderId {
        guard let bytes = bytes(tag, required: true) else { return .none }
        guard let value = FIXOrderMessages.decimal(bytes), value != 0 else { fail(.badValue(tag: tag)); return .none }
        return OrderId(rawValue: value)
    }

    /// An optional engine order id in a venue's report: `.none` when absent, empty or not
    /// decimal (not an order Peregrine entered; the OMS falls back to the venue's OrderID).
    func engineSideOrderId(_ tag: Int) -> OrderId {
        guard let bytes = message.valueBytes(tag: tag), let value = FIXOrderMessages.decimal(bytes) else { return .none }
        return OrderId(rawValue: value)
    }

    /// A venue's text id (OrderID, ExecID) as a number (see `venueIdentifier`).
    mutating func venueId(_ tag: Int, required: Bool) -> UInt64 {
        guard let bytes = bytes(tag, required: required) else { return 0 }
        return FIXOrderMessages.venueIdentifier(bytes)
    }

    /// `.possibleDuplicate` when PossDupFlag (43) or PossResend (97) is Y; a value other than
    /// Y or N is a failure.
    mutating func headerFlags() -> ExecutionFlags {
        var flags = ExecutionFlags()
        if flag(FIXTag.possDupFlag) || flag(FIXTag.possResend) { flags.insert(.possibleDuplicate) }
        return flags
    }

    /// An optional Boolean: `true` only for Y.
    mutating func flag(_ tag: Int) -> Bool {
        guard let bytes = bytes(tag, required: false) else { return false }
        switch FIXValue.bool(bytes) {
        case .success(let value): return value
        case .failure: fail(.badValue(tag: tag)); return false
        }
    }
}

/// A venue's status answer (ExecutionReport with ExecType I) with the request bookkeeping
/// an `ExecutionEvent` has no room for. Trivially copyable.
@frozen
public struct FIXStatusReport: Sendable, BitwiseCopyable {
    /// The order's state as the venue has it (`.orderStatus`, `.statusResponse` set).
    public var event: ExecutionEvent
    /// MassStatusReqID (584) as a venue id (decimal as is, else hashed), 0 when absent.
    public var massStatusRequestID: UInt64 = 0
    /// OrdStatusReqID (790) likewise, 0 when absent.
    public var orderStatusRequestID: UInt64 = 0
    /// TotNumReports (911), -1 when absent. 0 means the venue has no order to report (the
    /// report then names none).
    public var totalReports = -1
    /// LastRptRequested (912) = Y.
    public var isLastReport = false

    public init(event: ExecutionEvent) { self.event = event }

    /// Whether the report stands for an order (not the single "no orders" answer). O(1).
    @inlinable public var namesAnOrder: Bool {
        totalReports != 0 && (event.orderId != .none || event.venueOrderId != 0)
    }
}
