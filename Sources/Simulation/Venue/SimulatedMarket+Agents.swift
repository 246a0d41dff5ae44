import PeregrineCore

/// A market maker's live quotes and inventory.
struct MarketMakerState: Sendable {
    var bidId: OrderId = .none
    var askId: OrderId = .none
    var bidPrice: Price = .zero
    var askPrice: Price = .zero
    /// Filled quantity of the live bid/ask (a replace sets quantity = filled + new size).
    var bidFilled: Quantity = .zero
    var askFilled: Quantity = .zero
    /// Signed inventory, shares.
    var inventory: Double = 0
}

/// A noise trader's open passive orders, oldest first (fixed capacity, no allocation).
struct NoiseTraderState: Sendable {
    var openOrders: [OrderId]
    let capacity: Int
    init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
        openOrders = []
        openOrders.reserveCapacity(self.capacity + 1)
    }
}

/// A momentum trader's moving averages of trade prices and position.
struct MomentumTraderState: Sendable {
    var fast: Double = 0
    var slow: Double = 0
    var position: Double = 0
}

extension SimulatedMarket {
    /// Lets one agent act, chosen in proportion to the agents' rates.
    mutating func fireEvent(into output: inout VenueOutput) {
        let p = parameters
        var pick = random.uniform() * totalRate
        let makerRate = Double(p.marketMakerCount) * p.makerRequoteRate
        if pick < makerRate {
            requote(maker: Swift.min(p.marketMakerCount - 1, Int(pick / p.makerRequoteRate)), into: &output)
            return
        }
        pick -= makerRate
        if p.noiseTraderCount > 0 {
            let trader = random.below(p.noiseTraderCount)
            if pick < p.noiseMarketableRate { noiseMarketable(trader: trader, into: &output); return }
            pick -= p.noiseMarketableRate
            if pick < p.noisePassiveRate { noisePassive(trader: trader, into: &output); return }
            pick -= p.noisePassiveRate
        }
        if p.momentumTraderCount > 0 {
            momentumCheck(trader: Swift.min(p.momentumTraderCount - 1, Int(pick / p.momentumCheckRate)), into: &output)
        }
    }

    // MARK: Market makers

    /// Moves maker `m`'s quotes around its reservation price (fair value shifted against inventory).
    mutating func requote(maker m: Int, into output: inout VenueOutput) {
        let p = parameters
        let account = AccountId(rawValue: p.firstAccount + UInt32(m))
        let inventory = makers[m].inventory
        let reservation = fairValue / tickDouble - p.makerSkewTicksPerThousandShares * inventory / 1_000
        let bidTicks = (reservation - Double(p.makerSpreadTicks) / 2 + 0.5).rounded(.down)
        var bid = Price(rawValue: Int64(bidTicks) * tick.rawValue)
        var ask = Price(rawValue: (Int64(bidTicks) + Int64(Swift.max(1, p.makerSpreadTicks))) * tick.rawValue)
        // Post only: never cross the other side's touch (two makers with opposite skews
        // would otherwise trade whole quotes with each other).
        if let bestAsk = engine.bestAsk?.price, bid >= bestAsk {
            bid = bestAsk - tick
        }
        if let bestBid = engine.bestBid?.price, ask <= bestBid {
            ask = bestBid + tick
        }
        let size = lots(p.makerQuoteSize)
        let quoteBid = inventory < p.makerMaximumInventory
        let quoteAsk = inventory > -p.makerMaximumInventory
        quoteSide(maker: m, side: .buy, price: bid, size: size, active: quoteBid, account: account, into: &output)
        if let bestBid = engine.bestBid?.price, ask <= bestBid { ask = bestBid + tick }   // the new bid may be the touch now
        quoteSide(maker: m, side: .sell, price: ask, size: size, active: quoteAsk, account: account, into: &output)
    }

    mutating func quoteSide(maker m: Int, side: Side, price: Price, size: Quantity, active: Bool, account: AccountId,
                            into output: inout VenueOutput) {
        let sell = side.isSell
        let live = sell ? makers[m].askId : makers[m].bidId
        if !active {
            guard live != .none else { return }
            if sell { makers[m].askId = .none } else { makers[m].bidId = .none }
            send(command(.cancel, id: makeOrderId(), original: live, side: side, price: price, quantity: size, account: account), into: &output)
            return
        }
        let livePrice = sell ? makers[m].askPrice : makers[m].bidPrice
        if live != .none && livePrice == price { return }
        let newId = makeOrderId()
        if sell { makers[m].askId = newId; makers[m].askPrice = price } else { makers[m].bidId = newId; makers[m].bidPrice = price }
        if live == .none {
            if sell { makers[m].askFilled = .zero } else { makers[m].bidFilled = .zero }
            send(command(.new, id: newId, side: side, price: price, quantity: size, account: account), into: &output)
        } else {
            let filled = sell ? makers[m].askFilled : makers[m].bidFilled
            send(command(.replace, id: newId, original: live, side: side, price: price, quantity: size + filled, account: account),
                 into: &output)
        }
    }

    // MARK: Noise traders

    mutating func noiseMarketable(trader t: Int, into output: inout VenueOutput) {
        let p = parameters
        let side: Side = random.uniform() < 0.5 ? .buy : .sell
        let size = randomSize()
        let account = AccountId(rawValue: p.firstAccount + UInt32(p.marketMakerCount + t))
        if random.uniform() < p.noiseMarketOrderShare {
            send(command(.new, id: makeOrderId(), side: side, type: .market, timeInForce: .immediateOrCancel,
                         price: .zero, quantity: size, account: account), into: &output)
        } else {
            // IOC limit at the touch (or a tick through fair value when that side is empty).
            let touch = side.isSell ? engine.bestBid?.price : engine.bestAsk?.price
            let fallback = tickPrice(fairValue + (side.isSell ? -tickDouble : tickDouble), roundingUp: !side.isSell)
            send(command(.new, id: makeOrderId(), side: side, timeInForce: .immediateOrCancel, price: touch ?? fallback,
                         quantity: size, account: account), into: &output)
        }
    }

    mutating func noisePassive(trader t: Int, into output: inout VenueOutput) {
        let p = parameters
        let account = AccountId(rawValue: p.firstAccount + UInt32(p.marketMakerCount + t))
        if noiseTraders[t].openOrders.count >= noiseTraders[t].capacity {
            let oldest = noiseTraders[t].openOrders.removeFirst()
            send(command(.cancel, id: makeOrderId(), original: oldest, side: .buy, price: .zero, quantity: .zero, account: account),
                 into: &output)
        }
        let side: Side = random.uniform() < 0.5 ? .buy : .sell
        let offset = Double(1 + random.geometric(mean: p.noisePassiveOffsetTicks))
        let price = side.isSell ? tickPrice(fairValue + offset * tickDouble, roundingUp: true)
                                : tickPrice(fairValue - offset * tickDouble, roundingUp: false)
        let id = makeOrderId()
        noiseTraders[t].openOrders.append(id)
        send(command(.new, id: id, side: side, price: price, quantity: randomSize(), account: account), into: &output)
    }

    // MARK: Momentum traders

    mutating func momentumCheck(trader k: Int, into output: inout VenueOutput) {
        let p = parameters
        let state = momentumTraders[k]
        guard state.slow > 0 else { return }
        let signal = (state.fast - state.slow) / tickDouble
        let side: Side
        if signal > p.momentumThresholdTicks && state.position < p.momentumMaximumPosition {
            side = .buy
        } else if signal < -p.momentumThresholdTicks && state.position > -p.momentumMaximumPosition {
            side = .sell
        } else {
            return
        }
        let account = AccountId(rawValue: p.firstAccount + UInt32(p.marketMakerCount + p.noiseTraderCount + k))
        send(command(.new, id: makeOrderId(), side: side, type: .market, timeInForce: .immediateOrCancel, price: .zero,
                     quantity: randomSize(), account: account), into: &output)
    }

    // MARK: Feedback

    /// Hands the reports and trades appended since the given indices to the agents.
    mutating func route(fromExecution first: Int, fromMarketEvent firstMarket: Int, output: VenueOutput) {
        let p = parameters
        for i in firstMarket..<output.marketData.count where output.marketData[i].kind == .trade {
            let price = output.marketData[i].price.doubleValue
            for k in momentumTraders.indices {
                if momentumTraders[k].slow == 0 { momentumTraders[k].fast = price; momentumTraders[k].slow = price }
                momentumTraders[k].fast += p.momentumFastWeight * (price - momentumTraders[k].fast)
                momentumTraders[k].slow += p.momentumSlowWeight * (price - momentumTraders[k].slow)
            }
        }
        for i in first..<output.executions.count {
            let e = output.executions[i]
            guard e.account.rawValue >= p.firstAccount else { continue }
            let agent = Int(e.account.rawValue - p.firstAccount)
            // A cancel reports under the cancel request's id; the order's is the original.
            let id = e.executionType == .canceled && e.originalOrderId != .none ? e.originalOrderId : e.orderId
            let isTrade = e.executionType == .trade
            let terminal = e.orderStatus.isTerminal && e.flags & ExecutionFlags.cancelRejected.rawValue == 0
            if agent < p.marketMakerCount {
                if isTrade { makers[agent].inventory += Double(e.side.sign) * e.lastQuantity.doubleValue }
                if id == makers[agent].bidId {
                    if isTrade { makers[agent].bidFilled += e.lastQuantity }
                    if terminal || (e.flags & ExecutionFlags.cancelRejected.rawValue != 0 && e.orderStatus == .rejected) { makers[agent].bidId = .none }
                } else if id == makers[agent].askId {
                    if isTrade { makers[agent].askFilled += e.lastQuantity }
                    if terminal || (e.flags & ExecutionFlags.cancelRejected.rawValue != 0 && e.orderStatus == .rejected) { makers[agent].askId = .none }
                }
            } else if agent < p.marketMakerCount + p.noiseTraderCount {
                let t = agent - p.marketMakerCount
                if terminal, let j = noiseTraders[t].openOrders.firstIndex(of: id) {
                    noiseTraders[t].openOrders.remove(at: j)
                }
            } else if agent < p.marketMakerCount + p.noiseTraderCount + p.momentumTraderCount {
                if isTrade {
                    momentumTraders[agent - p.marketMakerCount - p.noiseTraderCount].position += Double(e.side.sign) * e.lastQuantity.doubleValue
                }
            }
        }
    }

    // MARK: Helpers

    /// A log-normal order size rounded to whole lots (at least one lot).
    mutating func randomSize() -> Quantity {
        let shares = random.logNormal(mean: parameters.logSizeMean, standardDeviation: parameters.logSizeStandardDeviation)
        return lots(shares)
    }

    func lots(_ shares: Double) -> Quantity {
        let lot = parameters.roundLot
        let count = Swift.max(1, Swift.min(10_000, (shares / lot).rounded()))
        return Quantity(rawValue: Int64(count * lot) * FixedPointScale.scale)
    }

    func tickPrice(_ dollars: Double, roundingUp: Bool) -> Price {
        let ticks = (dollars / tickDouble).rounded(roundingUp ? .up : .down)
        return Price(rawValue: Swift.max(1, Int64(ticks)) * tick.rawValue)
    }

    func command(_ kind: OrderCommandKind, id: OrderId, original: OrderId = .none, side: Side, type: OrderType = .limit,
                 timeInForce: TimeInForce = .day, price: Price, quantity: Quantity, account: AccountId) -> OrderCommand {
        OrderCommand(kind: kind, orderId: id, originalOrderId: original, instrument: parameters.instrument, side: side, type: type,
                     timeInForce: timeInForce, price: price, quantity: quantity, account: account,
                     strategy: StrategyId(rawValue: 0), venue: parameters.venue, createdTime: now)
    }
}
