import PeregrineCore

/// Positions per (account, instrument) in one flat preallocated array, marks per
/// instrument, and running realized P&L and fees per account.
///
/// Accounts and instruments are dense ids, so a position is found by index: O(1), no
/// hashing, no allocation after `init`. Single writer (the OMS thread).
public struct PositionBook: Sendable {
    public let accountCount: Int
    public let instrumentCount: Int
    private var positions: [Position]
    private var marks: [Price]
    private var markKnown: [Bool]
    private var accountRealized: [Notional]
    private var accountFees: [Notional]

    public init(accountCount: Int, instrumentCount: Int) {
        precondition(accountCount > 0 && instrumentCount > 0, "position book needs accounts and instruments")
        self.accountCount = accountCount
        self.instrumentCount = instrumentCount
        positions = Array(repeating: Position(), count: accountCount * instrumentCount)
        marks = Array(repeating: .zero, count: instrumentCount)
        markKnown = Array(repeating: false, count: instrumentCount)
        accountRealized = Array(repeating: .zero, count: accountCount)
        accountFees = Array(repeating: .zero, count: accountCount)
    }

    /// Whether the book has a position cell for `account` and `instrument`.
    @inlinable
    public func contains(account: AccountId, instrument: InstrumentId) -> Bool {
        Int(account.rawValue) < accountCount && instrument.rawValue < UInt32(instrumentCount)
    }

    @inline(__always)
    private func cell(_ account: AccountId, _ instrument: InstrumentId) -> Int {
        Int(account.rawValue) * instrumentCount + Int(instrument.rawValue)
    }

    /// The position of `account` in `instrument` (flat if never traded). O(1).
    public func position(account: AccountId, instrument: InstrumentId) -> Position {
        guard contains(account: account, instrument: instrument) else { return Position() }
        return positions[cell(account, instrument)]
    }

    /// Books a fill. Called by the OMS on the hot path: O(1), no allocation. The ids must be
    /// in range (the OMS checks them when the order is registered).
    /// Returns the realized P&L and the change of cost basis the fill made (kept by the
    /// ledger so a bust can take them back).
    mutating func applyFill(account: AccountId, instrument: InstrumentId, signedQuantity: Quantity, price: Price,
                            fee: Notional) -> (realized: Notional, basisChange: Notional) {
        let i = cell(account, instrument)
        let basisBefore = positions[i].costBasis
        let realized = positions[i].apply(signedQuantity: signedQuantity, price: price)
        positions[i].fees += fee
        let a = Int(account.rawValue)
        accountRealized[a] += realized
        accountFees[a] += fee
        return (realized, positions[i].costBasis - basisBefore)
    }

    /// Takes back a fill booked by `applyFill` (see `Position.reverse`). O(1), no allocation.
    mutating func reverseFill(account: AccountId, instrument: InstrumentId, signedQuantity: Quantity,
                              basisChange: Notional, realized: Notional, fee: Notional) {
        let i = cell(account, instrument)
        let realizedBefore = positions[i].realizedPnL
        positions[i].reverse(signedQuantity: signedQuantity, basisChange: basisChange, realized: realized)
        positions[i].fees -= fee
        let a = Int(account.rawValue)
        accountRealized[a] += positions[i].realizedPnL - realizedBefore
        accountFees[a] -= fee
    }

    /// Charges a fee or commission reported apart from the fill (e.g. a TWS
    /// commissionReport); negative for a rebate. O(1), no allocation; ignored out of range.
    public mutating func addFee(_ amount: Notional, account: AccountId, instrument: InstrumentId) {
        guard contains(account: account, instrument: instrument) else { return }
        positions[cell(account, instrument)].fees += amount
        accountFees[Int(account.rawValue)] += amount
    }

    /// Sets the mark (last trade or mid) used for unrealized P&L. O(1), no allocation.
    public mutating func onMark(instrument: InstrumentId, price: Price) {
        guard instrument.rawValue < UInt32(instrumentCount) else { return }
        marks[Int(instrument.rawValue)] = price
        markKnown[Int(instrument.rawValue)] = true
    }

    /// The mark of `instrument`, or `nil` before the first one.
    public func mark(instrument: InstrumentId) -> Price? {
        guard instrument.rawValue < UInt32(instrumentCount), markKnown[Int(instrument.rawValue)] else { return nil }
        return marks[Int(instrument.rawValue)]
    }

    /// Unrealized P&L of one position at the current mark (zero without a mark).
    public func unrealizedPnL(account: AccountId, instrument: InstrumentId) -> Notional {
        guard let mark = mark(instrument: instrument) else { return .zero }
        return position(account: account, instrument: instrument).unrealizedPnL(mark: mark)
    }

    /// Realized P&L of `account` across instruments (before fees). O(1).
    public func realizedPnL(account: AccountId) -> Notional {
        Int(account.rawValue) < accountCount ? accountRealized[Int(account.rawValue)] : .zero
    }

    /// Totals of `account` across its instruments. O(instruments): for monitors and
    /// reports, not per event. Positions without a mark count no unrealized P&L and are
    /// valued at cost in the exposures.
    public func totals(account: AccountId) -> AccountTotals {
        var totals = AccountTotals()
        guard Int(account.rawValue) < accountCount else { return totals }
        let a = Int(account.rawValue)
        totals.realizedPnL = accountRealized[a]
        totals.fees = accountFees[a]
        for i in 0..<instrumentCount {
            let p = positions[a * instrumentCount + i]
            guard p.quantity.rawValue != 0 else { continue }
            totals.openPositions += 1
            let value: Notional
            if markKnown[i] {
                value = marks[i].notional(for: p.quantity)
                totals.unrealizedPnL += p.unrealizedPnL(mark: marks[i])
            } else {
                value = p.costBasis
            }
            totals.netExposure += value
            totals.grossExposure += value.magnitude
        }
        return totals
    }
}

/// An account's totals across instruments (see `PositionBook.totals(account:)`).
@frozen
public struct AccountTotals: Sendable, BitwiseCopyable, Equatable {
    public var realizedPnL: Notional = .zero
    public var unrealizedPnL: Notional = .zero
    public var fees: Notional = .zero
    /// Σ |value| and Σ value of the open positions at the marks.
    public var grossExposure: Notional = .zero
    public var netExposure: Notional = .zero
    public var openPositions = 0
    public init() {}
    /// Realized + unrealized − fees.
    @inlinable public var netPnL: Notional { realizedPnL + unrealizedPnL - fees }
}
