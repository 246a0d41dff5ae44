import Testing
import PeregrineCore
import PeregrineSimVenue

@Suite("Matching engine rules")
struct MatchingEngineTests {
    @Test("price-time priority: better price first, then earlier arrival; trades print at the resting price")
    func priceTimePriority() {
        var e = V.engine()
        _ = e.run(V.new(1, .sell, 1001, 100, account: V.bob))
        _ = e.run(V.new(2, .sell, 1000, 100, account: V.bob))
        _ = e.run(V.new(3, .sell, 1000, 100, account: V.carol))
        let out = e.run(V.new(4, .buy, 1001, 250))
        let makers = out.fills.filter { $0.flags & ExecutionFlags.liquidityAdded.rawValue != 0 }
        #expect(makers.map(\.orderId.rawValue) == [2, 3, 1])
        #expect(makers.map(\.lastPrice) == [V.px(1000), V.px(1000), V.px(1001)])
        #expect(makers.map(\.lastQuantity) == [V.qty(100), V.qty(100), V.qty(50)])
        #expect(out.trades.count == 3)
        // Both sides of each trade share the trade id of the print.
        let tradeIds = out.trades.map(\.tradeId)
        #expect(out.fills.map { $0.executionId >> 1 } == tradeIds.flatMap { [$0, $0] })
        let taker = out.reports(4).last!
        #expect(taker.orderStatus == .filled && taker.cumulativeQuantity == V.qty(250) && taker.leavesQuantity == .zero)
        #expect(taker.averagePrice == V.px(1000) + Price(rawValue: 200_000))  // (200·10.00 + 50·10.01) / 250 = 10.002
        #expect(e.bestAsk! == (V.px(1001), V.qty(50)))
        #expect(e.bestBid == nil)
    }

    @Test("a partial fill rests the remainder with cum + leaves = quantity")
    func partialFill() {
        var e = V.engine()
        _ = e.run(V.new(1, .sell, 1000, 60, account: V.bob))
        let out = e.run(V.new(2, .buy, 1000, 100))
        let last = out.reports(2).last!
        #expect(last.orderStatus == .partiallyFilled)
        #expect(last.cumulativeQuantity == V.qty(60) && last.leavesQuantity == V.qty(40))
        #expect(e.bestBid! == (V.px(1000), V.qty(40)))
        #expect(out.marketData.last!.kind == .quote)
        #expect(out.marketData.last!.flags & MarketEventFlags.endOfBatch.rawValue != 0)
    }

    @Test("IOC cancels its remainder; FOK trades all or nothing")
    func immediateOrders() {
        var e = V.engine()
        _ = e.run(V.new(1, .sell, 1000, 100, account: V.bob))
        let ioc = e.run(V.new(2, .buy, 1000, 150, tif: .immediateOrCancel))
        #expect(ioc.reports(2).map(\.executionType) == [.new, .trade, .canceled])
        #expect(e.bestBid == nil)

        _ = e.run(V.new(3, .sell, 1000, 100, account: V.bob))
        _ = e.run(V.new(4, .sell, 1001, 100, account: V.bob))
        let fokShort = e.run(V.new(5, .buy, 1001, 250, tif: .fillOrKill))
        #expect(fokShort.fills.isEmpty)
        #expect(fokShort.reports(5).last!.rejectReason == VenueRejectReason.fillOrKillUnfilled.rawValue)
        #expect(e.levelCount(.sell) == 2)
        let fok = e.run(V.new(6, .buy, 1001, 200, tif: .fillOrKill))
        #expect(fok.reports(6).last!.orderStatus == .filled)
        #expect(e.bestAsk == nil)
    }

    @Test("a market order against an empty book is acknowledged then cancelled for no liquidity")
    func marketEmptyBook() {
        var e = V.engine()
        let out = e.run(V.new(1, .buy, 0, 100, type: .market))
        #expect(out.executions.map(\.executionType) == [.new, .canceled])
        #expect(out.executions.last!.rejectReason == VenueRejectReason.noLiquidity.rawValue)
        #expect(e.liveOrderCount == 0)
        _ = e.run(V.new(2, .sell, 1005, 30, account: V.bob))
        let sweep = e.run(V.new(3, .buy, 0, 100, type: .market))
        #expect(sweep.fills.count == 2 && sweep.reports(3).last!.executionType == .canceled)
    }

    @Test("stops wait for the last trade to reach them, then enter as market or limit orders")
    func stops() {
        var e = V.engine(.allow)
        _ = e.run(V.new(1, .buy, 995, 100, account: V.bob))
        _ = e.run(V.new(2, .buy, 990, 100, account: V.bob))
        _ = e.run(V.new(3, .sell, 0, 100, type: .stop, stopCents: 995))
        _ = e.run(V.new(4, .sell, 991, 100, type: .stopLimit, stopCents: 994))
        #expect(e.order(OrderId(rawValue: 3), account: V.alice)!.isPendingStop)
        #expect(e.bestBid!.price == V.px(995))
        // A trade at 9.95 triggers the sell stop at 9.95, which sells to the 9.90 bid; that
        // print triggers the stop-limit at 9.94, which rests at its 9.91 limit.
        _ = e.run(V.new(5, .sell, 995, 100, account: V.carol))
        #expect(e.lastTradePrice == V.px(990))
        #expect(e.order(OrderId(rawValue: 3), account: V.alice) == nil)
        let stopLimit = e.order(OrderId(rawValue: 4), account: V.alice)!
        #expect(!stopLimit.isPendingStop && stopLimit.leavesQuantity == V.qty(100))
        #expect(e.bestAsk!.price == V.px(991))
    }

    @Test("replace: a quantity decrease keeps priority, a price change or increase loses it")
    func replacePriority() {
        var e = V.engine()
        _ = e.run(V.new(1, .buy, 1000, 100))
        _ = e.run(V.new(2, .buy, 1000, 100, account: V.bob))
        let down = e.run(V.replace(11, original: 1, .buy, 1000, 50))
        #expect(down.executions.last!.executionType == .replaced)
        #expect(down.executions.last!.originalOrderId == OrderId(rawValue: 1))
        #expect(e.queue(atLevel: 0, side: .buy) == [OrderId(rawValue: 11), OrderId(rawValue: 2)])
        #expect(e.bestBid!.quantity == V.qty(150))
        _ = e.run(V.replace(12, original: 11, .buy, 1000, 80))
        #expect(e.queue(atLevel: 0, side: .buy) == [OrderId(rawValue: 2), OrderId(rawValue: 12)])
        _ = e.run(V.replace(3, original: 2, .buy, 1001, 100, account: V.bob))
        _ = e.run(V.replace(4, original: 3, .buy, 1000, 100, account: V.bob))
        #expect(e.queue(atLevel: 0, side: .buy) == [OrderId(rawValue: 12), OrderId(rawValue: 4)])
        // A replace to a crossing price trades at once.
        _ = e.run(V.new(20, .sell, 1002, 100, account: V.carol))
        let crossing = e.run(V.replace(21, original: 20, .sell, 1000, 100, account: V.carol))
        #expect(crossing.trades.count == 2 && crossing.fills[0].orderId == OrderId(rawValue: 12))
        // Replacing below the filled quantity is refused.
        let refused = e.run(V.replace(22, original: 4, .buy, 1000, 0, account: V.bob))
        #expect(refused.executions.last!.flags & ExecutionFlags.cancelRejected.rawValue != 0)
    }

    @Test("self-trade prevention modes", arguments: SelfTradePrevention.allCases)
    func selfTrade(_ mode: SelfTradePrevention) {
        var e = V.engine(mode)
        _ = e.run(V.new(1, .sell, 1000, 100))               // alice, first in queue
        _ = e.run(V.new(2, .sell, 1000, 100, account: V.bob))
        let out = e.run(V.new(3, .buy, 1000, 100))           // alice again
        let restingCancelled = out.reports(1).contains { $0.executionType == .canceled && $0.rejectReason == VenueRejectReason.selfTradePrevented.rawValue }
        let incomingCancelled = out.reports(3).contains { $0.executionType == .canceled && $0.rejectReason == VenueRejectReason.selfTradePrevented.rawValue }
        switch mode {
        case .allow:
            #expect(out.fills.first!.orderId == OrderId(rawValue: 1) && out.fills.count == 2)
        case .cancelResting:
            #expect(restingCancelled && !incomingCancelled)
            #expect(out.fills.first!.orderId == OrderId(rawValue: 2))
        case .cancelIncoming:
            #expect(!restingCancelled && incomingCancelled && out.fills.isEmpty)
            #expect(e.bestAsk!.quantity == V.qty(200))
        case .cancelBoth:
            #expect(restingCancelled && incomingCancelled && out.fills.isEmpty)
            #expect(e.bestAsk!.quantity == V.qty(100))
        }
    }

    @Test("venue rejects", arguments: [
        (V.new(1, .buy, 0, 100), VenueRejectReason.invalidPriceIncrement),
        (OrderCommand(kind: .new, orderId: OrderId(rawValue: 1), instrument: V.instrument, side: .buy, type: .limit,
                      timeInForce: .day, price: Price(rawValue: 1_000_500_000), quantity: V.qty(10), account: V.alice,
                      strategy: StrategyId(rawValue: 1), createdTime: V.t0), .invalidPriceIncrement),
        (OrderCommand(kind: .new, orderId: OrderId(rawValue: 1), instrument: V.instrument, side: .buy, type: .limit,
                      timeInForce: .day, price: V.px(1000), quantity: Quantity(rawValue: 50_000_000), account: V.alice,
                      strategy: StrategyId(rawValue: 1), createdTime: V.t0), .invalidQuantity),
        (V.new(1, .buy, 1000, 0), .invalidQuantity),
        (V.new(1, .buy, 1000, 100, tif: .atTheClose), .unsupportedOrder),
        (V.new(1, .buy, 0, 100, type: .stop, stopCents: 0), .invalidPriceIncrement),
        (V.new(9, .buy, 1000, 100), .duplicateOrderId),
    ])
    func rejects(_ command: OrderCommand, _ reason: VenueRejectReason) {
        var e = V.engine()
        _ = e.run(V.new(9, .buy, 900, 100))
        let out = e.run(command)
        #expect(out.executions.count == 1)
        #expect(out.executions[0].executionType == .rejected && out.executions[0].rejectReason == reason.rawValue)
        #expect(e.liveOrderCount == 1)
    }

    @Test("cancel and replace of unknown orders are cancel-rejected; a cancel by venue id is O(1)")
    func unknownCancel() {
        var e = V.engine()
        let cancel = e.run(V.cancel(2, original: 99))
        #expect(cancel.executions.count == 1)
        let r = cancel.executions[0]
        #expect(r.flags & ExecutionFlags.cancelRejected.rawValue != 0 && r.rejectReason == VenueRejectReason.unknownOrder.rawValue)
        #expect(e.run(V.replace(3, original: 99, .buy, 1000, 10)).executions[0].rejectReason == VenueRejectReason.unknownOrder.rawValue)
        // Another account cannot cancel alice's order.
        let ack = e.run(V.new(1, .buy, 1000, 100)).executions[0]
        #expect(e.run(V.cancel(4, original: 1, account: V.bob)).executions[0].flags & ExecutionFlags.cancelRejected.rawValue != 0)
        let ok = e.run(V.cancel(5, original: 1))
        #expect(ok.executions[0].executionType == .canceled && ok.executions[0].orderId == OrderId(rawValue: 5))
        #expect(ok.executions[0].originalOrderId == OrderId(rawValue: 1))
        #expect(e.bestBid == nil)
        var out = VenueOutput()
        #expect(!e.cancel(venueOrderId: ack.venueOrderId, time: V.t0, into: &out))
        let ack2 = e.run(V.new(6, .buy, 1000, 100)).executions[0]
        #expect(e.cancel(venueOrderId: ack2.venueOrderId, time: V.t0, into: &out))
        #expect(e.liveOrderCount == 0)
    }

    @Test("end of day expires day orders and keeps good-till-cancel ones")
    func expiry() {
        var e = V.engine()
        _ = e.run(V.new(1, .buy, 1000, 100))
        _ = e.run(V.new(2, .buy, 999, 100, tif: .goodTillCancel))
        _ = e.run(V.new(3, .sell, 0, 100, type: .stop, stopCents: 950))
        var out = VenueOutput()
        e.expireDayOrders(time: V.t0, into: &out)
        #expect(Set(out.executions.map(\.orderId.rawValue)) == [1, 3])
        #expect(out.executions.allSatisfy { $0.executionType == .expired && $0.orderStatus == .expired })
        #expect(e.bestBid!.price == V.px(999) && e.liveOrderCount == 1)
        #expect(out.marketData.contains { $0.kind == .depth && $0.quantity == .zero })
    }

    @Test("depth events carry the level's new total and its distance from the touch")
    func depth() {
        var e = V.engine()
        _ = e.run(V.new(1, .buy, 1000, 100))
        let out = e.run(V.new(2, .buy, 999, 40))
        let d = out.marketData.first { $0.kind == .depth }!
        #expect(d.price == V.px(999) && d.quantity == V.qty(40) && d.level == 1 && d.depthSide == .buy)
        #expect(!out.marketData.contains { $0.kind == .quote })  // the top did not change
    }

    @Test("a mass cancel removes every live order of the account and no other")
    func massCancel() {
        var e = V.engine()
        _ = e.run(V.new(1, .buy, 1000, 100))
        _ = e.run(V.new(2, .sell, 1010, 100))
        _ = e.run(V.new(3, .sell, 0, 100, type: .stop, stopCents: 900))
        _ = e.run(V.new(4, .buy, 999, 100, account: V.bob))
        var command = V.cancel(0, original: 0)
        command.kind = .massCancel
        let out = e.run(command)
        #expect(Set(out.executions.map(\.orderId.rawValue)) == [1, 2, 3])
        #expect(out.executions.allSatisfy { $0.executionType == .canceled && $0.leavesQuantity == .zero })
        #expect(e.liveOrderCount == 1 && e.bestBid!.price == V.px(999))
    }

    @Test("a stop already reached by the last trade triggers on arrival")
    func stopTriggersOnArrival() {
        var e = V.engine(.allow)
        _ = e.run(V.new(1, .buy, 1000, 100, account: V.bob))
        _ = e.run(V.new(2, .sell, 1000, 50, account: V.carol))    // last trade 10.00
        let out = e.run(V.new(3, .sell, 0, 50, type: .stop, stopCents: 1001))
        #expect(out.reports(3).map(\.executionType) == [.new, .trade])
        #expect(e.bestBid == nil)
    }
}
