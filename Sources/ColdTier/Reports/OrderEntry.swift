import PeregrineCore
import PeregrineRuntime

/// One order of the journal: a new-order command and the replaces that continue it (they
/// share its arrival price and fills). A class because every id of the chain maps to it.
final class OrderEntry {
    enum Arrival {
        /// Waiting for the market stream to pass the decision time.
        case pending
        /// bid + ask of the arrival quote (twice its mid), raw units.
        case mid(doubled: Int64)
        /// No two-sided quote of the instrument at the decision time.
        case unavailable
    }

    var ids: [OrderId]
    let strategy: UInt16
    let account: UInt32
    let instrument: UInt32
    let side: Side
    /// The largest quantity the order had (replaces may change it): the overfill bound.
    var quantity: Quantity
    var filled: Quantity = .zero
    /// The command's decision time and its record's journal time (ns since the epoch).
    let createdTime: Int64
    let journalTime: Int64
    var arrival: Arrival = .pending
    /// Fills that came before the arrival quote was settled.
    var pendingFills: [(price: Price, quantity: Quantity)] = []
    /// Any venue report seen for the order / one that answers the order itself (not a
    /// cancel or replace of it): the acknowledgement.
    var answered = false
    var acknowledged = false
    var filledOnce = false
    var terminal = false
    var riskRejected = false

    init(_ command: OrderCommand, journalTime: Int64) {
        ids = [command.orderId]
        strategy = command.strategy.rawValue
        account = command.account.rawValue
        instrument = command.instrument.rawValue
        side = command.side
        quantity = command.quantity
        createdTime = command.createdTime.nanosecondsSinceEpoch
        self.journalTime = journalTime
    }
}

/// A cancel or replace waiting for its answer.
struct Request {
    var journalTime: Int64
}

/// A fill by (venue, ExecID), the key the OMS deduplicates on.
struct FillKey: Hashable {
    var venue: UInt16
    var executionId: UInt64
}

/// What booking a fill did, kept so a bust or correction can take it back.
struct BookedFill {
    struct Effect {
        var strategyRealized: Notional
        var strategyBasisChange: Notional
        var accountRealized: Notional
        var accountBasisChange: Notional
    }
    var strategy: UInt16
    var account: UInt32
    var instrument: UInt32
    var signed: Quantity
    var price: Price
    var fee: Notional
    var effect: Effect
    var entry: OrderEntry
}

/// One fill's slippage: basis points of the arrival mid and the exact cost (positive = cost).
struct SlippageSample {
    var bps: Double
    var cost: Notional
}

/// A venue reject's kind and reason code.
struct RejectKey: Hashable {
    var cancelOrReplace: Bool
    var code: UInt16
}

/// A latency histogram that counts negative intervals apart (a clock step).
struct LatencyAccumulator {
    var histogram = LatencyHistogram()
    var negative = 0

    mutating func record(_ nanoseconds: Int64) {
        if nanoseconds < 0 { negative += 1 } else { histogram.record(UInt64(nanoseconds)) }
    }
}
