import Testing
import PeregrineCore
import PeregrineOMS

/// An average-cost reference in `Double`, written independently of `Position`.
struct ReferencePosition {
    var quantity = 0.0
    var average = 0.0
    var realized = 0.0

    mutating func fill(_ signed: Double, at price: Double) {
        if quantity == 0 || (quantity > 0) == (signed > 0) {
            average = (average * abs(quantity) + price * abs(signed)) / (abs(quantity) + abs(signed))
            quantity += signed
            return
        }
        let closed = min(abs(signed), abs(quantity))
        realized += closed * (price - average) * (quantity > 0 ? 1 : -1)
        let after = quantity + signed
        if abs(after) < 1e-12 {
            quantity = 0; average = 0
        } else if (after > 0) != (quantity > 0) {
            quantity = after; average = price
        } else {
            quantity = after
        }
    }
}

@Suite("OMS positions and P&L")
struct PositionTests {
    @Test("average cost through a long-to-short flip")
    func flipThroughZero() {
        var p = Position()
        p.apply(signedQuantity: qty(10), price: px(100))
        #expect(p.averagePrice == px(100))
        let realized = p.apply(signedQuantity: qty(-15), price: px(110))
        #expect(realized == Notional(px(100)))
        #expect(p.quantity == qty(-5) && p.averagePrice == px(110))
        #expect(p.unrealizedPnL(mark: px(108)) == Notional(px(10)))
        p.apply(signedQuantity: qty(5), price: px(105))
        #expect(p.quantity == .zero && p.costBasis == .zero)
        #expect(p.realizedPnL == Notional(px(125)))
        #expect(p.boughtQuantity == qty(15) && p.soldQuantity == qty(15))
    }

    @Test("a short covered in part realizes against the average short price")
    func shortCover() {
        var p = Position()
        p.apply(signedQuantity: qty(-10), price: px(100))
        p.apply(signedQuantity: qty(4), price: px(90))
        #expect(p.realizedPnL == Notional(px(40)))
        #expect(p.quantity == qty(-6) && p.averagePrice == px(100))
    }

    @Test("released basis is rounded half-even at 1e-16; closing the rest is exact")
    func rounding() {
        var p = Position()
        p.apply(signedQuantity: qty(1), price: px(10))
        p.apply(signedQuantity: qty(2), price: px(11))
        #expect(p.averagePrice == px("10.66666667"))
        let first = p.apply(signedQuantity: qty(-1), price: px(12))
        // 32/3 = 10.666…6|67 at 16 decimals: released 10.6666666666666667.
        #expect(first.rawValue == 12 * Notional.scale - 106_666_666_666_666_667)
        p.apply(signedQuantity: qty(-2), price: px(12))
        #expect(p.realizedPnL == Notional(px(4)))    // 36 − 32, exactly
        #expect(p.costBasis == .zero)
    }

    @Test("huge positions do not overflow when partly closed")
    func hugeValues() {
        var p = Position()
        let price = px("1000000.12345678")
        p.apply(signedQuantity: qty(1_000_000_000), price: price)
        let realized = p.apply(signedQuantity: qty(-300_000_000), price: price)
        #expect(realized == .zero)
        #expect(p.averagePrice == price)
    }

    @Test("random fills match the reference; total P&L is exact; flat means realized = −Σ flows")
    func randomFills() {
        var rng = SplitMix64(seed: 0xC0FFEE)
        for round in 0..<20 {
            var p = Position()
            var reference = ReferencePosition()
            var flows = Notional.zero
            for _ in 0..<500 {
                let units = Int64.random(in: 1...20_000, using: &rng)          // 0.01 … 200.00
                var signed = Quantity(rawValue: units * 1_000_000)
                if Bool.random(using: &rng) { signed = -signed }
                // Sometimes flatten exactly, to hit the flip-through-zero and close paths.
                if Int.random(in: 0..<10, using: &rng) == 0 && p.quantity.rawValue != 0 { signed = -p.quantity }
                let price = Price(rawValue: Int64.random(in: 9_000...11_000, using: &rng) * 1_000_000)   // 90.00 … 110.00
                p.apply(signedQuantity: signed, price: price)
                reference.fill(signed.doubleValue, at: price.doubleValue)
                flows += price.notional(for: signed)
                let mark = Price(rawValue: Int64.random(in: 9_000...11_000, using: &rng) * 1_000_000)
                #expect(p.realizedPnL + p.unrealizedPnL(mark: mark) == mark.notional(for: p.quantity) - flows)
                #expect(abs(p.realizedPnL.doubleValue - reference.realized) < 1e-6, "round \(round)")
                #expect(abs(p.quantity.doubleValue - reference.quantity) < 1e-9)
                if p.quantity.rawValue != 0 {
                    #expect(abs(p.averagePrice.doubleValue - reference.average) < 1e-7)
                } else {
                    #expect(p.realizedPnL == Notional.zero - flows)
                }
            }
        }
    }

    @Test("fills booked through the OMS make per-account positions, fees and totals")
    func throughTheOMS() {
        var h = OMSHarness(capacity: 256, fees: FeeSchedule(perUnit: px("0.005"), centibasisPoints: 10))
        var rng = SplitMix64(seed: 42)
        var references = [Int: ReferencePosition]()
        var expectedFees = 0.0
        var nextId: UInt64 = 1
        for _ in 0..<150 {
            let account = AccountId(rawValue: UInt32.random(in: 0..<2, using: &rng))
            let instrument = InstrumentId(rawValue: UInt32.random(in: 0..<3, using: &rng))
            let side: Side = [.buy, .sell, .sellShort].randomElement(using: &rng)!
            let quantity = Int64.random(in: 1...50, using: &rng)
            let orderId = nextId
            nextId += 1
            #expect(h.send(orderId, side: side, quantity: quantity, account: account, instrument: instrument).code == .applied)
            h.apply(.new, orderId)
            var left = quantity
            while left > 0 {
                let chunk = min(left, Int64.random(in: 1...20, using: &rng))
                let price = Price(rawValue: Int64.random(in: 4_900...5_100, using: &rng) * 1_000_000)
                #expect(h.fill(orderId, quantity: chunk, price: price).code == .applied)
                let key = Int(account.rawValue) * 16 + Int(instrument.rawValue)
                references[key, default: ReferencePosition()].fill(Double(chunk) * Double(side.sign), at: price.doubleValue)
                expectedFees += 0.005 * Double(chunk) + Double(chunk) * price.doubleValue * 0.00001
                left -= chunk
            }
            #expect(h.status(orderId) == .filled)
            h.clock.advance(by: .seconds(11))        // past the linger: slots recycle
        }
        var realizedTotal = 0.0
        var feesTotal = 0.0
        for a in 0..<2 {
            let account = AccountId(rawValue: UInt32(a))
            for i in 0..<3 {
                let instrument = InstrumentId(rawValue: UInt32(i))
                h.oms.onMark(instrument: instrument, price: px(50))
                let p = h.oms.position(account: account, instrument: instrument)
                let r = references[a * 16 + i] ?? ReferencePosition()
                #expect(abs(p.quantity.doubleValue - r.quantity) < 1e-9)
                #expect(abs(p.realizedPnL.doubleValue - r.realized) < 1e-6)
                let unrealized = h.oms.positions.unrealizedPnL(account: account, instrument: instrument).doubleValue
                #expect(abs(unrealized - r.quantity * (50 - r.average)) < 1e-5)
                feesTotal += p.fees.doubleValue
            }
            let totals = h.oms.positions.totals(account: account)
            realizedTotal += totals.realizedPnL.doubleValue
            #expect(totals.realizedPnL == h.oms.positions.realizedPnL(account: account))
        }
        #expect(abs(realizedTotal - references.values.reduce(0) { $0 + $1.realized }) < 1e-5)
        #expect(abs(feesTotal - expectedFees) < 1e-6)
        #expect(h.oms.faultCount == 0)
        #expect(h.oms.ordersInUse <= 256)
    }

    @Test("account totals add realized, unrealized at the marks and exposures")
    func accountTotals() {
        var book = PositionBook(accountCount: 2, instrumentCount: 2)
        var h = OMSHarness()
        h.send(1, quantity: 10, price: px(100))
        h.fill(1, quantity: 10, price: px(100))
        h.send(2, side: .sell, quantity: 4, instrument: InstrumentId(rawValue: 2))
        h.fill(2, quantity: 4, price: px(20))
        h.oms.onMark(instrument: testInstrument, price: px(101))
        let totals = h.oms.positions.totals(account: testAccount)
        #expect(totals.unrealizedPnL == Notional(px(10)))      // the short has no mark: valued at cost
        #expect(totals.grossExposure == Notional(px(1010 + 80)))
        #expect(totals.netExposure == Notional(px(1010 - 80)))
        #expect(totals.openPositions == 2)
        h.oms.addFee(Notional(px(2)), account: testAccount, instrument: testInstrument)
        #expect(h.oms.positions.totals(account: testAccount).netPnL == Notional(px(8)))
        #expect(book.mark(instrument: InstrumentId(rawValue: 0)) == nil)
        book.onMark(instrument: InstrumentId(rawValue: 5), price: px(1))   // out of range: ignored
    }
}
