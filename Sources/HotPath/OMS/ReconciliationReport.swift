import PeregrineCore

/// What kind of difference reconciliation found between the OMS and a venue.
@frozen
public enum ReconciliationDifferenceKind: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// The venue reported a fill the OMS had not booked.
    case missingFill = 1
    /// The venue reported a bust or correction the OMS had not applied.
    case missingTradeAdjustment = 2
    /// The venue has an order (or fills of one) the OMS does not know.
    case unknownOrder = 3
    /// Statuses differ (a pending request the venue never acted on, an unacknowledged order).
    case statusMismatch = 4
    /// Cumulative (filled) quantities differ after the executions were applied.
    case cumulativeMismatch = 5
    /// Order quantities differ.
    case orderQuantityMismatch = 6
    /// Limit prices differ.
    case priceMismatch = 7
    /// The OMS has a working order the venue does not list as open.
    case missingAtVenue = 8
    /// An execution from the venue could not be applied (see `code`).
    case rejectedExecution = 9
}

/// What reconciliation did about a difference.
@frozen
public enum ReconciliationRepair: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Reported only; needs an operator.
    case none = 0
    /// Booked the venue's execution.
    case appliedExecution = 1
    /// Created a slot for the venue's order.
    case adoptedOrder = 2
    /// Booked the difference in cumulative quantity as one fill at the price implied by the
    /// venue's average price.
    case bookedSyntheticFill = 3
    /// Took the venue's order quantity or price.
    case adoptedVenueValues = 4
    /// Marked the order canceled (the venue no longer has it).
    case markedCanceled = 5
    /// Marked the order filled (its fills cover its quantity).
    case markedFilled = 6
    /// Dropped a pending cancel or replace the venue never acted on.
    case clearedPendingRequest = 7
    /// Confirmed a pending replace the venue shows done.
    case confirmedReplace = 8
    /// Marked the order acknowledged.
    case acknowledged = 9
}

/// One difference and its repair.
@frozen
public struct ReconciliationDifference: Sendable, BitwiseCopyable, Equatable {
    public var kind: ReconciliationDifferenceKind
    public var repair: ReconciliationRepair
    public var orderId: OrderId
    public var venueOrderId: UInt64
    public var slot: OrderSlotIndex
    /// Status before the repair, and the venue's.
    public var localStatus: OrderStatus
    public var venueStatus: OrderStatus
    /// The quantities compared (cumulative or order quantity by `kind`), local before repair.
    public var localQuantity: Quantity
    public var venueQuantity: Quantity
    /// For `.rejectedExecution`: the OMS code.
    public var code: OrderEventCode

    public init(kind: ReconciliationDifferenceKind, repair: ReconciliationRepair, orderId: OrderId,
                venueOrderId: UInt64, slot: OrderSlotIndex, localStatus: OrderStatus, venueStatus: OrderStatus,
                localQuantity: Quantity = .zero, venueQuantity: Quantity = .zero, code: OrderEventCode = .applied) {
        self.kind = kind; self.repair = repair; self.orderId = orderId; self.venueOrderId = venueOrderId
        self.slot = slot; self.localStatus = localStatus; self.venueStatus = venueStatus
        self.localQuantity = localQuantity; self.venueQuantity = venueQuantity; self.code = code
    }
}

/// The outcome of `OrderManager.reconcile`: every difference, in the order found, as data
/// for the caller to journal and print.
public struct ReconciliationReport: Sendable {
    public var venue: VenueId
    public var differences: [ReconciliationDifference] = []
    /// Venue open orders and executions examined.
    public var openOrdersExamined = 0
    public var executionsExamined = 0

    public init(venue: VenueId) { self.venue = venue }

    /// Whether the venue and the OMS agreed.
    public var isClean: Bool { differences.isEmpty }

    /// Differences of one kind.
    public func count(of kind: ReconciliationDifferenceKind) -> Int { differences.reduce(0) { $1.kind == kind ? $0 + 1 : $0 } }

    /// Differences left for an operator (repair `.none`).
    public var unrepaired: [ReconciliationDifference] { differences.filter { $0.repair == .none } }
}
