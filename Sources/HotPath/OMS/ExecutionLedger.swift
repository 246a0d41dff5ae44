import PeregrineCore

/// The most recent fills by (venue, ExecID), for deduplication and for trade busts and
/// corrections: a fixed ring of fills with an index, oldest evicted first.
///
/// A fill evicted from the ring can no longer be recognised as a duplicate or busted; size
/// it to cover the longest gap after which a venue may resend (a session day is typical).
/// Single writer; O(1) expected; no allocation after `init`.
struct ExecutionLedger: Sendable {
    struct Fill: Sendable, BitwiseCopyable {
        /// What booking the fill did to its position (for `PositionBook.reverseFill`).
        var realized: Notional
        var basisChange: Notional
        var executionId: UInt64
        var quantity: Quantity
        var price: Price
        var slot: UInt32
        /// The slot's generation when the fill was booked (a recycled slot is another order).
        var generation: UInt32
        var venue: UInt16
    }

    private(set) var fills: [Fill]
    private var index: SlotKeyIndex
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "execution ledger capacity must be positive")
        fills = Array(repeating: Fill(realized: .zero, basisChange: .zero, executionId: 0, quantity: .zero, price: .zero, slot: 0, generation: 0, venue: 0),
                      count: capacity)
        index = SlotKeyIndex(capacity: capacity)
    }

    /// The ring position of the fill `executionId` from `venue`, or `nil`.
    func find(_ executionId: UInt64, venue: VenueId) -> Int? {
        index.find(executionId, scope: venue.rawValue).map { Int($0) }
    }

    subscript(position: Int) -> Fill {
        get { fills[position] }
        set { fills[position] = newValue }
    }

    /// Books a fill, evicting the oldest when the ring is full.
    mutating func record(_ fill: Fill) {
        guard fill.executionId != 0 else { return }
        if count == fills.count {
            index.remove(fills[next].executionId, scope: fills[next].venue)
        } else {
            count += 1
        }
        fills[next] = fill
        index.insert(fill.executionId, scope: fill.venue, value: UInt32(next))
        next += 1
        if next == fills.count { next = 0 }
    }
}
