import PeregrineCore

// Matching an incoming order against the book, self-trade prevention, fill-or-kill and
// stop triggers.
extension MatchingEngine {
    /// Runs accepted order `s` (state `.matching`) against the book, then rests, cancels or
    /// retires it by its type and time in force. O(1) per fill plus O(1) per level consumed.
    mutating func execute(_ s: Int, time: Timestamp, into output: inout VenueOutput) {
        if orders[s].timeInForce == .fillOrKill && executableQuantity(for: s) < orders[s].leaves {
            removeAndReport(s, type: .canceled, status: .canceled, reason: .fillOrKillUnfilled, clientId: .none,
                            time: time, into: &output)
            return
        }
        let stoppedBySelfTrade = match(s, time: time, into: &output)
        if orders[s].leaves.rawValue == 0 {
            retire(s)  // the last fill report said filled
        } else if stoppedBySelfTrade {
            removeAndReport(s, type: .canceled, status: .canceled, reason: .selfTradePrevented, clientId: .none,
                            time: time, into: &output)
        } else if orders[s].type == .market || orders[s].type == .stop {
            removeAndReport(s, type: .canceled, status: .canceled, reason: .noLiquidity, clientId: .none,
                            time: time, into: &output)
        } else if orders[s].timeInForce == .immediateOrCancel || orders[s].timeInForce == .fillOrKill {
            removeAndReport(s, type: .canceled, status: .canceled, reason: .none, clientId: .none, time: time, into: &output)
        } else if !rest(s, time: time, into: &output) {
            removeAndReport(s, type: .canceled, status: .canceled, reason: .bookFull, clientId: .none, time: time, into: &output)
        }
    }

    /// Whether a resting price is acceptable to incoming order `s`.
    @inline(__always)  // one compare; evaluated per level in the matching loop
    func crosses(_ s: Int, levelPrice: Price) -> Bool {
        let o = orders[s]
        if o.type == .market || o.type == .stop { return true }
        return o.side.isSell ? levelPrice >= o.price : levelPrice <= o.price
    }

    /// Matches `s` against the opposite side until it is filled, the prices no longer
    /// cross, or self-trade prevention stops it (returns `true` then).
    mutating func match(_ s: Int, time: Timestamp, into output: inout VenueOutput) -> Bool {
        let sell = orders[s].side.isSell
        let prevention = configuration.selfTradePrevention
        while orders[s].leaves.rawValue > 0 {
            guard let top = sell ? bidLevels.last : askLevels.last else { return false }
            let l = Int(top)
            let price = levels[l].price
            guard crosses(s, levelPrice: price) else { return false }
            var o = levels[l].head
            var stop = false
            while o >= 0 && orders[s].leaves.rawValue > 0 {
                let r = Int(o)
                o = orders[r].next
                if prevention != .allow && orders[r].account == orders[s].account {
                    if prevention == .cancelIncoming { stop = true; break }
                    detach(r)
                    orders[r].state = .matching  // already out of the level; the level is published below
                    removeAndReport(r, type: .canceled, status: .canceled, reason: .selfTradePrevented, clientId: .none,
                                    time: time, into: &output)
                    if prevention == .cancelBoth { stop = true; break }
                    continue
                }
                let quantity = Swift.min(orders[s].leaves, orders[r].leaves)
                let notional = price.notional(for: quantity)
                orders[r].leaves -= quantity; orders[r].cumulative += quantity; orders[r].filledNotional += notional
                orders[s].leaves -= quantity; orders[s].cumulative += quantity; orders[s].filledNotional += notional
                levels[l].quantity -= quantity
                tradeSerial &+= 1
                lastTradePrice = price
                reportFill(r, price: price, quantity: quantity, tradeId: tradeSerial, maker: true, time: time, into: &output)
                reportFill(s, price: price, quantity: quantity, tradeId: tradeSerial, maker: false, time: time, into: &output)
                publishTrade(price: price, quantity: quantity, tradeId: tradeSerial, time: time, into: &output)
                if orders[r].leaves.rawValue == 0 {
                    detach(r)
                    retire(r)
                }
            }
            publishDepth(level: l, sell: !sell, time: time, into: &output)
            if levels[l].orderCount == 0 { deleteLevel(l, sell: !sell) }
            if stop { return true }
        }
        return false
    }

    /// Quantity `s` could fill right now (stopping early once it covers the order), taking
    /// self-trade prevention into account. For fill-or-kill.
    func executableQuantity(for s: Int) -> Quantity {
        let sell = orders[s].side.isSell
        let list = sell ? bidLevels : askLevels
        let needed = orders[s].leaves
        let prevention = configuration.selfTradePrevention
        var total = Quantity.zero
        var position = list.count - 1
        while position >= 0 && total < needed {
            let l = Int(list[position])
            guard crosses(s, levelPrice: levels[l].price) else { break }
            if prevention == .allow {
                total += levels[l].quantity
            } else {
                var o = levels[l].head
                while o >= 0 {
                    let r = Int(o)
                    if orders[r].account == orders[s].account {
                        if prevention != .cancelResting { return total }
                    } else {
                        total += orders[r].leaves
                    }
                    o = orders[r].next
                }
            }
            position -= 1
        }
        return total
    }

    /// Triggers pending stops the last trade price has reached, each entering the book as
    /// a market (stop) or limit (stop-limit) order; loops since their trades may trigger more.
    mutating func triggerStops(time: Timestamp, into output: inout VenueOutput) {
        guard tradeSerial > 0 else { return }
        while true {
            var next = -1
            if let b = buyStops.last, orders[Int(b)].stopPrice <= lastTradePrice {
                next = Int(b); buyStops.removeLast()
            } else if let a = sellStops.last, orders[Int(a)].stopPrice >= lastTradePrice {
                next = Int(a); sellStops.removeLast()
            }
            guard next >= 0 else { return }
            orders[next].state = .matching
            arrivalSerial &+= 1
            orders[next].arrival = arrivalSerial
            execute(next, time: time, into: &output)
        }
    }
}
