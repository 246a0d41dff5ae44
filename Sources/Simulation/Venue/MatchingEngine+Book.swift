import PeregrineCore

// Pools, levels, FIFO links, the stop lists and event emission. Every function here is
// O(1) except the binary searches (O(log levels)) and sorted inserts (a memmove).
extension MatchingEngine {
    // MARK: Order pool

    /// Takes a free slot, or `nil` when the pool is exhausted. O(1).
    mutating func allocateOrder() -> Int? {
        guard freeOrder >= 0 else { return nil }
        let s = Int(freeOrder)
        freeOrder = orders[s].next
        orders[s] = BookOrder()
        liveOrderCount += 1
        return s
    }

    /// Returns a slot (already unlinked and removed from the index) to the free list. O(1).
    mutating func releaseOrder(_ s: Int) {
        orders[s].state = .free
        orders[s].next = freeOrder
        orders[s].previous = -1
        orders[s].level = -1
        freeOrder = Int32(s)
        liveOrderCount -= 1
    }

    /// Takes the order out of the index and returns its slot. O(1).
    mutating func retire(_ s: Int) {
        index.remove(orders[s].orderId, account: orders[s].account)
        releaseOrder(s)
    }

    // MARK: Levels

    /// Position in the side's sorted level array where `price` is or would go. O(log n).
    func levelPosition(_ price: Price, sell: Bool) -> (position: Int, found: Bool) {
        let list = sell ? askLevels : bidLevels
        var low = 0, high = list.count
        // Bids ascend, asks descend: "before" means worse for both.
        while low < high {
            let mid = (low + high) >> 1
            let p = levels[Int(list[mid])].price
            if p == price { return (mid, true) }
            if sell ? p > price : p < price { low = mid + 1 } else { high = mid }
        }
        return (low, false)
    }

    /// Appends resting order `s` to the tail of its price level, creating the level if
    /// needed; `false` when no level is free. Emits the depth change.
    mutating func rest(_ s: Int, time: Timestamp, into output: inout VenueOutput) -> Bool {
        let sell = orders[s].side.isSell
        let price = orders[s].price
        let (position, found) = levelPosition(price, sell: sell)
        let l: Int
        if found {
            l = Int(sell ? askLevels[position] : bidLevels[position])
        } else {
            let count = sell ? askLevels.count : bidLevels.count
            guard freeLevel >= 0, count < configuration.levelCapacity else { return false }
            l = Int(freeLevel)
            freeLevel = levels[l].head
            levels[l] = PriceLevel(price: price, quantity: .zero, head: -1, tail: -1, orderCount: 0)
            if sell { askLevels.insert(Int32(l), at: position) } else { bidLevels.insert(Int32(l), at: position) }
        }
        orders[s].level = Int32(l)
        orders[s].state = .resting
        orders[s].next = -1
        orders[s].previous = levels[l].tail
        if levels[l].tail >= 0 { orders[Int(levels[l].tail)].next = Int32(s) } else { levels[l].head = Int32(s) }
        levels[l].tail = Int32(s)
        levels[l].orderCount += 1
        levels[l].quantity += orders[s].leaves
        publishDepth(level: l, sell: sell, time: time, into: &output)
        return true
    }

    /// Unlinks resting order `s` from its level (the level's quantity drops by its leaves);
    /// deletes an emptied level. Emits the depth change when `publish`. O(1) at the top of
    /// the book, else a binary search plus a memmove to delete an emptied level.
    mutating func unlink(_ s: Int, time: Timestamp, publish: Bool, into output: inout VenueOutput) {
        let l = Int(orders[s].level)
        let sell = orders[s].side.isSell
        detach(s)
        if publish { publishDepth(level: l, sell: sell, time: time, into: &output) }
        if levels[l].orderCount == 0 { deleteLevel(l, sell: sell) }
    }

    /// Unlinks order `s` from its level's FIFO and totals, leaving an empty level in place
    /// (matching deletes it when done with the level). O(1).
    @inline(__always)  // a handful of stores; on the per-fill path
    mutating func detach(_ s: Int) {
        let l = Int(orders[s].level)
        let p = orders[s].previous, n = orders[s].next
        if p >= 0 { orders[Int(p)].next = n } else { levels[l].head = n }
        if n >= 0 { orders[Int(n)].previous = p } else { levels[l].tail = p }
        levels[l].orderCount -= 1
        levels[l].quantity -= orders[s].leaves
        orders[s].level = -1
        orders[s].previous = -1
        orders[s].next = -1
    }

    /// Removes an empty level from its side and frees it.
    mutating func deleteLevel(_ l: Int, sell: Bool) {
        if sell {
            if let last = askLevels.last, Int(last) == l { askLevels.removeLast() } else {
                let (position, found) = levelPosition(levels[l].price, sell: true)
                precondition(found, "level missing from its side")
                askLevels.remove(at: position)
            }
        } else {
            if let last = bidLevels.last, Int(last) == l { bidLevels.removeLast() } else {
                let (position, found) = levelPosition(levels[l].price, sell: false)
                precondition(found, "level missing from its side")
                bidLevels.remove(at: position)
            }
        }
        levels[l].head = freeLevel
        levels[l].orderCount = 0
        freeLevel = Int32(l)
    }

    // MARK: Stops

    /// Inserts pending stop `s` into its side's stop list; `false` when full. O(log n) + memmove.
    mutating func addStop(_ s: Int) -> Bool {
        let sell = orders[s].side.isSell
        let list = sell ? sellStops : buyStops
        guard list.count < configuration.stopCapacity else { return false }
        let stop = orders[s].stopPrice
        // Buys: stop descending (lowest triggers first, at the end); sells ascending. A later
        // arrival with an equal stop goes before (further from the end) the earlier ones.
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) >> 1
            let p = orders[Int(list[mid])].stopPrice
            let goesAfter = sell ? p < stop : p > stop
            if goesAfter { low = mid + 1 } else { high = mid }
        }
        orders[s].state = .pendingStop
        if sell { sellStops.insert(Int32(s), at: low) } else { buyStops.insert(Int32(s), at: low) }
        return true
    }

    /// Removes pending stop `s` from its list. O(n) scan from the end (stop lists are short).
    mutating func removeStop(_ s: Int) {
        if orders[s].side.isSell {
            if let i = sellStops.lastIndex(of: Int32(s)) { sellStops.remove(at: i) }
        } else {
            if let i = buyStops.lastIndex(of: Int32(s)) { buyStops.remove(at: i) }
        }
    }

    // MARK: Emission

    @inline(__always)  // one branch; keeps the hot emitters free of a call
    func orderStatus(_ s: Int) -> OrderStatus {
        let o = orders[s]
        if o.cumulative.rawValue == 0 { return .new }
        return o.leaves.rawValue == 0 ? .filled : .partiallyFilled
    }

    /// Appends an execution report built from slot `s`.
    mutating func report(_ s: Int, type: ExecutionType, status: OrderStatus, time: Timestamp,
                         reason: VenueRejectReason = .none, originalOrderId: OrderId = .none,
                         into output: inout VenueOutput) {
        reportSerial &+= 1
        var e = event(s, time: time)
        e.executionId = 1 << 63 | reportSerial
        e.executionType = type
        e.orderStatus = status
        e.rejectReason = reason.rawValue
        e.originalOrderId = originalOrderId
        output.executions.append(e)
    }

    /// Appends one fill report for slot `s` (after its quantities were updated).
    mutating func reportFill(_ s: Int, price: Price, quantity: Quantity, tradeId: UInt64, maker: Bool,
                             time: Timestamp, into output: inout VenueOutput) {
        var e = event(s, time: time)
        e.executionId = tradeId << 1 | (maker ? 1 : 0)
        e.executionType = .trade
        e.orderStatus = orderStatus(s)
        e.lastPrice = price
        e.lastQuantity = quantity
        if maker { e.flags = ExecutionFlags.liquidityAdded.rawValue }
        output.executions.append(e)
    }

    @inline(__always)  // builds the common fields; inlined into the two emitters above
    func event(_ s: Int, time: Timestamp) -> ExecutionEvent {
        let o = orders[s]
        var e = ExecutionEvent()
        e.transactTime = time
        e.orderId = o.orderId
        e.venueOrderId = o.venueOrderId
        e.leavesQuantity = o.leaves
        e.cumulativeQuantity = o.cumulative
        if o.cumulative.rawValue != 0 {
            e.averagePrice = o.filledNotional.divided(by: o.cumulative, rounding: .toNearestOrEven) ?? .zero
        }
        e.price = o.price
        e.orderQuantity = o.quantity
        e.instrument = configuration.instrument
        e.account = o.account
        e.venue = configuration.venue
        e.strategy = o.strategy
        e.side = o.side
        return e
    }

    /// Appends a reject or cancel-reject built from the command (no slot involved).
    mutating func reject(_ command: OrderCommand, reason: VenueRejectReason, cancelReject: Bool, status: OrderStatus = .rejected,
                         time: Timestamp, into output: inout VenueOutput) {
        reportSerial &+= 1
        var e = ExecutionEvent()
        e.transactTime = time
        e.orderId = command.orderId
        e.originalOrderId = command.originalOrderId
        e.executionId = 1 << 63 | reportSerial
        e.price = command.price
        e.orderQuantity = command.quantity
        e.instrument = command.instrument
        e.account = command.account
        e.venue = configuration.venue
        e.strategy = command.strategy
        e.rejectReason = reason.rawValue
        e.executionType = .rejected
        e.orderStatus = status
        e.side = command.side
        if cancelReject { e.flags = ExecutionFlags.cancelRejected.rawValue }
        output.executions.append(e)
    }

    /// Appends the depth event of level `l` (its current quantity; zero when it emptied).
    mutating func publishDepth(level l: Int, sell: Bool, time: Timestamp, into output: inout VenueOutput) {
        let list = sell ? askLevels : bidLevels
        let position = list.last.map { Int($0) == l } == true ? list.count - 1 : levelPosition(levels[l].price, sell: sell).position
        feedSequence &+= 1
        output.marketData.append(.depth(configuration.instrument, venue: configuration.venue, side: sell ? .sell : .buy,
                                        price: levels[l].price, quantity: levels[l].quantity,
                                        level: list.count - 1 - position, exchangeTime: time, receiveTime: .zero,
                                        sequence: feedSequence))
    }

    /// Appends a trade print.
    mutating func publishTrade(price: Price, quantity: Quantity, tradeId: UInt64, time: Timestamp, into output: inout VenueOutput) {
        feedSequence &+= 1
        output.marketData.append(.trade(configuration.instrument, venue: configuration.venue, price: price, quantity: quantity,
                                        exchangeTime: time, receiveTime: .zero, sequence: feedSequence, tradeId: tradeId))
    }

    /// Ends a public call: a quote if the top changed, and `.endOfBatch` on the call's last
    /// market event (`firstMarketEvent` is where the call started appending).
    mutating func finishCall(time: Timestamp, firstMarketEvent: Int, into output: inout VenueOutput) {
        let bid = bestBid ?? (.zero, .zero), ask = bestAsk ?? (.zero, .zero)
        if bid.price != published.bidPrice || bid.quantity != published.bidQuantity
            || ask.price != published.askPrice || ask.quantity != published.askQuantity {
            published = (bid.price, bid.quantity, ask.price, ask.quantity)
            feedSequence &+= 1
            output.marketData.append(.quote(configuration.instrument, venue: configuration.venue, bidPrice: bid.price,
                                            bidQuantity: bid.quantity, askPrice: ask.price, askQuantity: ask.quantity,
                                            exchangeTime: time, receiveTime: .zero, sequence: feedSequence))
        }
        if output.marketData.count > firstMarketEvent {
            output.marketData[output.marketData.count - 1].flags |= MarketEventFlags.endOfBatch.rawValue
        }
    }
}
