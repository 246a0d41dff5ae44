import PeregrineCore
import PeregrineMarketData
import PeregrinePlatform

extension TWSClientSession {
    // MARK: - Subscriptions (set-up: they store the contract)

    /// Subscribes to top of book and trades (reqMktData) for `instrument`; returns the ticker
    /// id, or `nil` when the subscription table is full or the contract is a combo.
    ///
    /// Sent now if the handshake is done (paced), else at the next handshake; re-sent after
    /// every reconnect and TWS 1101. Owning thread; allocates the stored contract.
    @discardableResult
    public func subscribeMarketData(_ contract: TWSContract, instrument: InstrumentId, genericTicks: String = "") -> Int64? {
        guard contract.secType != "BAG" else { return nil }
        return addSubscription(TWSSubscriptionRequest(contract: contract, kind: .marketData, genericTicks: genericTicks,
                                                      depthRows: 0, smartDepth: false), instrument: instrument)
    }

    /// Subscribes to `rows` levels of market depth (reqMktDepth) for `instrument`; returns the
    /// ticker id or `nil` when the table is full. Same sending rules as `subscribeMarketData`.
    @discardableResult
    public func subscribeMarketDepth(_ contract: TWSContract, instrument: InstrumentId, rows: Int, smartDepth: Bool = false) -> Int64? {
        precondition(rows > 0, "market depth needs at least one row")
        return addSubscription(TWSSubscriptionRequest(contract: contract, kind: .marketDepth, genericTicks: "",
                                                      depthRows: rows, smartDepth: smartDepth), instrument: instrument)
    }

    /// Cancels a subscription (cancelMktData / cancelMktDepth, paced, if connected) and frees
    /// its slot; `false` for an unknown ticker id. Ticks still in flight for it are counted
    /// as unmatched. Owning thread.
    @discardableResult
    public func unsubscribe(tickerId: Int64) -> Bool {
        guard let slot = slot(forTicker: tickerId), let request = requests[slot] else { return false }
        if handshakeDone {
            let smart = request.smartDepth && serverVersion >= 146
            _ = enqueue(tag: 0) { buffer in
                switch request.kind {
                case .marketData:
                    return TWSRequests.cancelMarketData(requestId: tickerId, into: buffer)
                case .marketDepth:
                    var w = TWSFrameWriter(buffer)
                    w.field(11); w.field(1); w.field(tickerId)  // cancelMktDepth, version 1
                    if serverVersion >= 146 { w.field(smart) }
                    return w.finish()
                }
            }
        }
        tickers[slot] = TWSTickerState()
        requests[slot] = nil
        generations[slot] &+= 1
        subscriptionCount -= 1
        return true
    }

    /// The instrument a ticker id is subscribed for, if any.
    public func instrument(forTicker tickerId: Int64) -> InstrumentId? {
        slot(forTicker: tickerId).map { tickers[$0].instrument }
    }

    /// The last TWS error code reported for a ticker id (200 no security definition, 354 not
    /// subscribed, 10197 competing session …), 0 if none.
    public func lastError(forTicker tickerId: Int64) -> Int64 {
        slot(forTicker: tickerId).map { tickers[$0].lastError } ?? 0
    }

    func addSubscription(_ request: TWSSubscriptionRequest, instrument: InstrumentId) -> Int64? {
        guard let slot = tickers.firstIndex(where: { $0.tickerId < 0 }) else { return nil }
        let tickerId = configuration.firstTickerId + Int64(slot) + generations[slot] * Int64(tickers.count)
        var state = TWSTickerState()
        state.tickerId = tickerId
        state.instrument = instrument
        state.kind = request.kind
        tickers[slot] = state
        requests[slot] = request
        subscriptionCount += 1
        if handshakeDone { _ = enqueueSubscription(slot) }
        return tickerId
    }

    /// nextValidId and managedAccounts have arrived on this connection.
    var handshakeDone: Bool {
        switch state {
        case .resubscribing, .ready, .connectivityLost: return true
        case .disconnected, .connecting, .handshaking: return false
        }
    }

    // MARK: - Other requests

    /// Queues any request (orders, history, contract details …) behind the pacer: `encode`
    /// writes one whole frame into the buffer it is given (e.g. a `TWSRequests` function)
    /// and returns its length, or `nil` if it does not fit (at least 8 KiB is offered).
    ///
    /// Returns `false` (counted in `requestsRejected`) when the handshake is not done — one-off
    /// requests are never held across a reconnect — or the queue is full. Owning thread;
    /// no allocation beyond what `encode` does.
    @discardableResult
    public func enqueueRequest(_ encode: (UnsafeMutableRawBufferPointer) -> Int?) -> Bool {
        guard handshakeDone else {
            counters.requestsRejected &+= 1
            return false
        }
        return enqueue(tag: 0, encode)
    }

    /// Requests (and sends, as the pacer allows) every subscription not already queued;
    /// returns how many were queued. Sets `resubscribeRemaining` to the queue length.
    func resubscribeAll() -> Int {
        var queued = 0
        for slot in tickers.indices where tickers[slot].tickerId >= 0 && !tickers[slot].queued {
            if enqueueSubscription(slot) { queued += 1 }
        }
        resubscribeRemaining = queued > 0 ? outboundFrames : 0
        return queued
    }

    /// Queues the request of subscription `slot`.
    func enqueueSubscription(_ slot: Int) -> Bool {
        guard let request = requests[slot] else { return false }
        let tickerId = tickers[slot].tickerId
        let version = serverVersion
        let ok = enqueue(tag: UInt32(slot + 1)) { buffer in
            switch request.kind {
            case .marketData:
                return TWSRequests.requestMarketData(requestId: tickerId, contract: request.contract,
                                                     genericTicks: request.genericTicks, into: buffer)
            case .marketDepth:
                return TWSRequests.requestMarketDepth(requestId: tickerId, contract: request.contract, rows: request.depthRows,
                                                      smartDepth: request.smartDepth, serverVersion: version, into: buffer)
            }
        }
        if ok { tickers[slot].queued = true }
        return ok
    }

    /// Appends `tag` and the frame `encode` writes to the outbound queue.
    func enqueue(tag: UInt32, _ encode: (UnsafeMutableRawBufferPointer) -> Int?) -> Bool {
        let room = min(outbound.freeCapacity, 65_536)
        guard room >= 8 + 4_096, outbound.reserve(room) else {
            counters.requestsRejected &+= 1
            return false
        }
        let space = outbound.writable
        let frameSpace = UnsafeMutableRawBufferPointer(rebasing: space[4..<room])
        guard let length = encode(frameSpace), length >= 4 else {
            counters.requestsRejected &+= 1
            return false
        }
        space.storeBytes(of: tag, toByteOffset: 0, as: UInt32.self)
        outbound.commit(4 + length)
        outboundFrames += 1
        return true
    }

    // MARK: hot path begin

    /// Sends queued requests now, as far as the pacer allows (an order queued with
    /// `enqueueRequest` goes out at once instead of at the next `poll`). Owning thread, not
    /// from inside a handler callback; does not block or allocate. Returns the frames sent.
    @discardableResult
    public func flush<H: FeedEventHandler>(now: Timestamp, handler: inout H) -> Int {
        let sent = flushOutbound(now: now, handler: &handler)
        applyPendingDrop(now: now, handler: &handler)
        return sent
    }

    /// Sends queued frames while the pacer has tokens; returns how many were sent.
    func flushOutbound<H: FeedEventHandler>(now: Timestamp, handler: inout H) -> Int {
        guard outboundFrames > 0, let connection, pendingDrop == nil, serverVersion > 0 else { return 0 }
        var sent = 0
        while outboundFrames > 0 {
            guard pacer.tryTake(now: now) else {
                waitingForToken = true
                break
            }
            if waitingForToken {
                waitingForToken = false
                counters.pacingDelays &+= 1
            }
            let queued = outbound.readable
            let tag = queued.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
            let length = 4 + (TWSDecoder.frameLength(UnsafeRawBufferPointer(rebasing: queued[4...])) ?? 0)
            let frame = UnsafeRawBufferPointer(rebasing: queued[4..<(4 + length)])
            let result = connection.send(frame)
            outbound.consume(4 + length)
            outboundFrames -= 1
            if tag != 0 { tickers[Int(tag) - 1].queued = false }
            guard case .sent = result else {
                pendingDrop = result == .closed ? (.peerClosed, 0) : (.socketError, 0)
                break
            }
            counters.messagesSent &+= 1
            counters.bytesSent &+= length
            sent += 1
            if resubscribeRemaining > 0 {
                resubscribeRemaining -= 1
                if resubscribeRemaining == 0 && state == .resubscribing {
                    transition(to: .ready, reason: .resubscribed, now: now, handler: &handler)
                }
            }
        }
        return sent
    }

    // MARK: hot path end
}
