import PeregrineCore

/// What the ODS rules need to know about one order.
struct OrderState {
    var quantity: Int64
    var filled: Int64
    var side: Side
    /// Execution ids of the order's fills (to reject resends); 0 ids are not tracked.
    var fillIds: Set<UInt64> = []
}

/// The orders the loader has seen, for the stateful rules (known order, fills within the
/// order quantity, no duplicate fill). Changes made while a batch is evaluated stay pending
/// until its transaction commits and are thrown away if it does not; orders not in memory
/// are read from the database (one query per batch).
final class OrderLedger {
    private var committed: [UInt64: OrderState] = [:]
    private var pending: [UInt64: OrderState] = [:]

    func state(_ orderId: UInt64) -> OrderState? { pending[orderId] ?? committed[orderId] }

    func set(_ orderId: UInt64, _ state: OrderState) { pending[orderId] = state }

    func contains(_ orderId: UInt64) -> Bool { pending[orderId] != nil || committed[orderId] != nil }

    func commitPending() {
        for (id, state) in pending { committed[id] = state }
        pending.removeAll(keepingCapacity: true)
    }

    func discardPending() { pending.removeAll(keepingCapacity: true) }

    /// Everything forgotten (after a failed transaction whose lookups may be stale).
    func reset() {
        committed.removeAll()
        pending.removeAll()
    }

    /// Reads the orders among `ids` that the ledger lacks from the database (inside the
    /// batch's transaction, so it sees exactly the committed state).
    func load(_ ids: Set<UInt64>, from connection: PostgresConnection) throws {
        let missing = ids.filter { !contains($0) }
        guard !missing.isEmpty else { return }
        let array = "{" + missing.map { String(Int64(bitPattern: $0)) }.joined(separator: ",") + "}"
        let rows = try connection.query("""
            SELECT o.order_id, o.quantity_e8, o.filled_at_creation_e8 + coalesce(sum(e.last_quantity_e8), 0), o.side,
                   coalesce(string_agg(e.execution_id::text, ','), '')
            FROM orders o
            LEFT JOIN executions e ON e.order_id = o.order_id AND e.exec_type = 'trade'
            WHERE o.order_id = ANY($1::bigint[])
            GROUP BY o.order_id
            """, [array])
        for row in rows {
            guard let id = row[0].flatMap({ Int64($0) }), let quantity = row[1].flatMap({ Int64($0) }),
                  let filled = row[2].flatMap({ Int64($0) }), let side = row[3].flatMap(WarehouseText.side(named:)) else { continue }
            var state = OrderState(quantity: quantity, filled: filled, side: side)
            for text in (row[4] ?? "").split(separator: ",") {
                if let executionId = Int64(text), executionId != 0 { state.fillIds.insert(UInt64(bitPattern: executionId)) }
            }
            committed[UInt64(bitPattern: id)] = state
        }
    }
}
