import Testing
import PeregrineCore
import PeregrineSimVenue

/// Random order flow from a seeded generator.
struct RandomFlow {
    var random: SimulationRandom
    var nextId: UInt64 = 1
    var live: [(id: UInt64, account: AccountId, side: Side)] = []
    let accounts = [V.alice, V.bob, V.carol]

    init(seed: UInt64) { random = SimulationRandom(seed: seed) }

    mutating func next(stops: Bool) -> OrderCommand {
        nextId += 1
        let roll = random.below(100)
        let side: Side = random.below(2) == 0 ? .buy : .sell
        let account = accounts[random.below(accounts.count)]
        let cents = Int64(995 + random.below(11))
        let shares = Int64(1 + random.below(300))
        if roll < 15, !live.isEmpty {
            let target = live[random.below(live.count)]
            return V.cancel(nextId, original: random.below(10) == 0 ? 999_999 : target.id, account: target.account)
        }
        if roll < 25, !live.isEmpty {
            let target = live[random.below(live.count)]
            let keepPrice = random.below(2) == 0
            return V.replace(nextId, original: target.id, target.side, keepPrice ? -1 : cents, shares, account: target.account)
        }
        var c: OrderCommand
        switch roll {
        case ..<35: c = V.new(nextId, side, cents, shares, account: account, tif: .immediateOrCancel)
        case ..<40: c = V.new(nextId, side, cents, shares, account: account, tif: .fillOrKill)
        case ..<45: c = V.new(nextId, side, 0, shares, account: account, type: .market)
        case ..<50 where stops: c = V.new(nextId, side, cents, shares, account: account, type: .stopLimit,
                                          tif: .goodTillCancel, stopCents: Int64(995 + random.below(11)))
        default: c = V.new(nextId, side, cents, shares, account: account, tif: random.below(2) == 0 ? .day : .goodTillCancel)
        }
        return c
    }
}

@Suite("Matching engine properties")
struct MatchingEnginePropertyTests {
    /// Runs `count` random commands through `engine`, checking the invariants after each;
    /// with `reference`, also compares trades and levels with the naive book.
    static func run(seed: UInt64, count: Int, prevention: SelfTradePrevention, stops: Bool, compare: Bool) -> [VenueOutput] {
        var engine = V.engine(prevention, orders: 4_096)
        var reference = ReferenceBook()
        var flow = RandomFlow(seed: seed)
        var outputs: [VenueOutput] = []
        var filled: [UInt64: Int64] = [:]   // venue order id → cumulative from fills
        for step in 0..<count {
            var command = flow.next(stops: stops)
            if command.kind == .replace && command.price.rawValue < 0 {
                // "keep the price": look it up so the replace is a pure quantity change.
                command.price = engine.order(command.originalOrderId, account: command.account)?.price ?? V.px(1000)
            }
            var output = VenueOutput(executionCapacity: 256, marketDataCapacity: 256)
            engine.submit(command, time: V.t0 + .microseconds(Int64(step)), into: &output)

            // Never crossed after matching.
            if let bid = engine.bestBid, let ask = engine.bestAsk { #expect(bid.price < ask.price, "crossed at step \(step)") }
            // Fills pair up: maker then taker, same trade id, same price and quantity, opposite sides.
            let fills = output.fills
            #expect(fills.count % 2 == 0)
            for k in stride(from: 0, to: fills.count - 1, by: 2) {
                let maker = fills[k], taker = fills[k + 1]
                #expect(maker.flags & ExecutionFlags.liquidityAdded.rawValue != 0)
                #expect(maker.executionId >> 1 == taker.executionId >> 1)
                #expect(maker.lastPrice == taker.lastPrice && maker.lastQuantity == taker.lastQuantity)
                #expect(maker.side.isSell != taker.side.isSell)
                if prevention != .allow { #expect(maker.account != taker.account) }
            }
            #expect(output.trades.count == fills.count / 2)
            // Every report: cum + leaves = quantity until terminal; cum equals the sum of the fills.
            for e in output.executions where e.executionType != .rejected {
                if e.executionType == .trade { filled[e.venueOrderId, default: 0] += e.lastQuantity.rawValue }
                #expect(e.cumulativeQuantity.rawValue == filled[e.venueOrderId, default: 0])
                if e.orderStatus.isTerminal && e.orderStatus != .filled {
                    #expect(e.leavesQuantity == .zero)
                } else {
                    #expect(e.cumulativeQuantity + e.leavesQuantity == e.orderQuantity, "step \(step)")
                }
            }
            // Book totals equal the sum of the live orders.
            if step % 50 == 0 {
                let live = engine.liveOrders().filter { !$0.isPendingStop }
                let sum = live.reduce(Quantity.zero) { $0 + $1.leavesQuantity }
                var levels = Quantity.zero
                for side in [Side.buy, .sell] {
                    for i in 0..<engine.levelCount(side) { levels += engine.level(i, side: side)!.quantity }
                }
                #expect(sum == levels)
            }
            // Track live ids for the flow's cancels and replaces.
            for e in output.executions {
                if e.executionType == .new || e.executionType == .replaced {
                    flow.live.removeAll { $0.id == e.originalOrderId.rawValue && $0.account == e.account }
                    flow.live.append((e.orderId.rawValue, e.account, e.side))
                }
                if e.orderStatus.isTerminal && e.executionType != .rejected {
                    flow.live.removeAll { ($0.id == e.orderId.rawValue || $0.id == e.originalOrderId.rawValue) && $0.account == e.account }
                }
            }

            if compare {
                var expected: [ReferenceBook.Trade] = []
                switch command.kind {
                case .new:
                    let valid = command.type == .market || command.price.rawValue > 0
                    if valid && reference.find(command.orderId.rawValue, command.account.rawValue) == nil {
                        expected = reference.new(command)
                    }
                case .cancel:
                    let ok = reference.cancel(command)
                    #expect(ok == !output.executions.contains { $0.flags & ExecutionFlags.cancelRejected.rawValue != 0 })
                case .replace:
                    let r = reference.replace(command)
                    expected = r.trades
                    #expect(r.accepted == output.executions.contains { $0.executionType == .replaced }, "step \(step)")
                case .massCancel: break
                }
                let actual = stride(from: 0, to: fills.count - 1, by: 2).map {
                    ReferenceBook.Trade(maker: fills[$0].orderId.rawValue, taker: fills[$0 + 1].orderId.rawValue,
                                        price: fills[$0].lastPrice.rawValue, quantity: fills[$0].lastQuantity.rawValue)
                }
                #expect(actual == expected, "trades differ at step \(step)")
                for side in [Side.buy, .sell] {
                    let mine = (0..<engine.levelCount(side)).map { engine.level($0, side: side)! }.map { ($0.price.rawValue, $0.quantity.rawValue) }
                    let theirs = reference.levels(side)
                    #expect(mine.elementsEqual(theirs, by: ==), "levels differ at step \(step)")
                }
            }
            outputs.append(output)
        }
        return outputs
    }

    @Test("random flow matches a naive reference book trade for trade", arguments: [1, 2, 3] as [UInt64])
    func againstReference(seed: UInt64) {
        let outputs = Self.run(seed: seed, count: 2_000, prevention: .allow, stops: false, compare: true)
        #expect(outputs.reduce(0) { $0 + $1.trades.count } > 500)   // the flow really trades
        #expect(outputs.contains { $0.executions.contains { $0.executionType == .replaced } })
    }

    @Test("invariants hold under every self-trade mode with stops", arguments: SelfTradePrevention.allCases)
    func invariants(_ mode: SelfTradePrevention) {
        let outputs = Self.run(seed: 42, count: 3_000, prevention: mode, stops: true, compare: false)
        #expect(outputs.reduce(0) { $0 + $1.trades.count } > 500)
        let selfTradeCancels = outputs.reduce(0) { $0 + $1.executions.filter { $0.rejectReason == VenueRejectReason.selfTradePrevented.rawValue }.count }
        #expect((selfTradeCancels == 0) == (mode == .allow))
    }

    @Test("same inputs give bit-identical outputs")
    func determinism() {
        let a = Self.run(seed: 7, count: 1_000, prevention: .cancelResting, stops: true, compare: false)
        let b = Self.run(seed: 7, count: 1_000, prevention: .cancelResting, stops: true, compare: false)
        #expect(a.map(\.executions) == b.map(\.executions))
        #expect(a.map(\.marketData) == b.map(\.marketData))
    }
}
