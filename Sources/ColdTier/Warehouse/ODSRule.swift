/// The operational-data-store rules a record can break; a breaking record goes to the
/// `quarantine` table with the rule's name (stable: reports and alerts match on it) and a
/// reason naming the values.
public enum ODSRule: String, Sendable, CaseIterable {
    /// A price (trade, quote side, depth level, bar, fill, limit or stop price) is not positive.
    case pricePositive = "price_positive"
    /// A size or quantity is not positive (depth may be 0: a deleted level; bar volume ≥ 0).
    case sizePositive = "size_positive"
    /// A bar's low is above its open/close or its high below them.
    case barRange = "bar_range"
    /// A fill would take the order's filled quantity above its quantity.
    case fillExceedsOrderQuantity = "fill_exceeds_order_quantity"
    /// An execution report names an order the warehouse has never seen.
    case executionUnknownOrder = "execution_unknown_order"
    /// A cancel or replace names an order the warehouse has never seen.
    case unknownOriginalOrder = "unknown_original_order"
    /// A new order or replace reuses an order id.
    case duplicateOrderId = "duplicate_order_id"
    /// A fill repeats an execution id already loaded for the order (a resend).
    case duplicateExecutionId = "duplicate_execution_id"
    /// The payload has the wrong size or an enum byte out of range.
    case malformedPayload = "malformed_payload"
    /// The record type is not one the warehouse knows.
    case unknownRecordType = "unknown_record_type"
}

/// Journal record types the warehouse loads beyond FORMAT.md's (application range ≥ 1024).
public enum WarehouseRecordType {
    /// An event the market-data filter dropped: payload the 64-byte `MarketEvent`, flags
    /// the `MarketDataDropReason` raw value. (To be listed in Journal/FORMAT.md.)
    public static let filterDrop: UInt16 = 1024
}
