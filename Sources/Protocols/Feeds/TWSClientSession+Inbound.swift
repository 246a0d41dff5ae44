import PeregrineCore
import PeregrineMarketData
import PeregrinePlatform

extension TWSClientSession {
    // MARK: hot path begin

    /// Takes the bytes already arrived (never waits), decodes every whole frame, updates
    /// health and books, hands events to `handler`, and sends paced requests. Returns the
    /// work done (frames handled + requests sent; 0 when idle).
    ///
    /// Owning thread; no allocation, lock or String. Cost: one `recv`, one copy of the bytes
    /// into the receive buffer, one pass over each frame.
    @discardableResult
    public func poll<H: FeedEventHandler>(now: Timestamp, handler: inout H) -> Int {
        var work = 0
        if let connection, state.isConnected {
            let result = connection.tryReceive { bytes in
                work += ingest(bytes, now: now, handler: &handler)
            }
            switch result {
            case .received, .wouldBlock: break
            case .closed: if pendingDrop == nil { pendingDrop = (.peerClosed, 0) }
            case .failed(let code): if pendingDrop == nil { pendingDrop = (.socketError, Int64(code)) }
            }
        }
        work += flushOutbound(now: now, handler: &handler)
        applyPendingDrop(now: now, handler: &handler)
        return work
    }

    /// Appends received bytes to the receive buffer and decodes what is whole.
    func ingest<H: FeedEventHandler>(_ bytes: UnsafeRawBufferPointer, now: Timestamp, handler: inout H) -> Int {
        counters.bytesReceived &+= bytes.count
        var offset = 0
        var frames = 0
        while offset < bytes.count && pendingDrop == nil {
            if discardRemaining > 0 {
                let n = min(discardRemaining, bytes.count - offset)
                discardRemaining -= n
                offset += n
                counters.discardedBytes &+= n
                continue
            }
            let taken = inbound.append(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            offset += taken
            frames += decodeFrames(now: now, handler: &handler)
            if taken == 0 && offset < bytes.count && inbound.freeCapacity == 0 {
                // Cannot happen while the decoder's frame limit is below the buffer size;
                // resynchronizing is impossible, so the connection restarts.
                counters.discardedBytes &+= inbound.count
                inbound.removeAll()
                pendingDrop = (.protocolError, 0)
            }
        }
        return frames
    }

    /// Decodes the whole frames at the front of the receive buffer.
    func decodeFrames<H: FeedEventHandler>(now: Timestamp, handler: inout H) -> Int {
        var frames = 0
        while !inbound.isEmpty && pendingDrop == nil {
            let buffer = inbound.readable
            if serverVersion == 0 {
                guard let length = TWSDecoder.frameLength(buffer) else { break }
                if length == 0 || length > 4_096 {
                    // Not a TWS version reply (an HTTP proxy or another service answered).
                    counters.malformedMessages &+= 1
                    pendingDrop = (.protocolError, Int64(length))
                    break
                }
                guard buffer.count >= 4 + length else { break }
                handleServerReply(UnsafeRawBufferPointer(rebasing: buffer[4..<(4 + length)]), now: now, handler: &handler)
                inbound.consume(4 + length)
                counters.messagesReceived &+= 1
                frames += 1
                continue
            }
            switch decoder.decode(buffer) {
            case .incomplete:
                return frames
            case .message(let message, let consumed):
                counters.messagesReceived &+= 1
                handle(message, now: now, handler: &handler)
                inbound.consume(consumed)
                frames += 1
            case .skipped(let reason, _, let consumed):
                counters.messagesReceived &+= 1
                if reason == .unknownMessageId { counters.unknownMessages &+= 1 } else { counters.malformedMessages &+= 1 }
                if consumed > buffer.count {
                    skipOversized(consumed - 4, buffered: buffer.count)
                } else {
                    inbound.consume(consumed)
                }
                frames += 1
            }
        }
        return frames
    }

    /// Drops a frame longer than the receive buffer: what is buffered now, the rest as it arrives.
    func skipOversized(_ length: Int, buffered: Int) {
        counters.discardedBytes &+= buffered
        discardRemaining = 4 + length - buffered
        inbound.removeAll()
    }

    /// The server's first frame: `serverVersion, connectionTime` (anything else before it,
    /// such as a news bulletin, is skipped as ibapi does).
    func handleServerReply<H: FeedEventHandler>(_ payload: UnsafeRawBufferPointer, now: Timestamp, handler: inout H) {
        guard let reply = TWSHandshake.decodeServerReply(payload) else {
            counters.unknownMessages &+= 1
            return
        }
        guard reply.serverVersion >= TWSHandshake.minimumSupportedServerVersion,
              reply.serverVersion <= configuration.maximumVersion else {
            pendingDrop = (.versionRejected, Int64(reply.serverVersion))
            return
        }
        serverVersion = reply.serverVersion
        decoder.serverVersion = reply.serverVersion
        let capabilities = configuration.optionalCapabilities
        let clientId = configuration.clientId
        if !enqueue(tag: 0, { TWSRequests.startApi(clientId: clientId, optionalCapabilities: capabilities, into: $0) }) {
            pendingDrop = (.protocolError, 0)
        }
    }

    /// Uses one decoded message, then shows it to the handler.
    func handle<H: FeedEventHandler>(_ message: TWSIncoming, now: Timestamp, handler: inout H) {
        switch message {
        case .tickPrice(let tick):
            if let slot = slot(forTicker: tick.requestId) {
                if let event = tickers[slot].apply(tick, venue: configuration.venue, now: now) { deliver(event, &handler) }
            } else {
                counters.unmatchedMessages &+= 1
            }
        case .tickSize(let tick):
            if let slot = slot(forTicker: tick.requestId) {
                if let event = tickers[slot].apply(tick, venue: configuration.venue, now: now) { deliver(event, &handler) }
            } else {
                counters.unmatchedMessages &+= 1
            }
        case .depth(let update):
            if let slot = slot(forTicker: update.requestId) {
                deliver(update.marketEvent(tickers[slot].instrument, venue: configuration.venue, receiveTime: now), &handler)
            } else {
                counters.unmatchedMessages &+= 1
            }
        case .error(let error):
            handleError(error, now: now, handler: &handler)
        case .nextValidId(let id):
            nextValidOrderId = id
            receivedNextValidId = true
            completeHandshakeIfReady(now: now, handler: &handler)
        case .managedAccounts(let accounts):
            let n = min(accounts.bytes.count, accountBytes.count)
            for i in 0..<n { accountBytes[i] = accounts.bytes[i] }
            accountLength = n
            receivedAccounts = true
            completeHandshakeIfReady(now: now, handler: &handler)
        default:
            break
        }
        handler.onTWSMessage(message, receiveTime: now)
    }

    @inline(__always)
    func deliver<H: FeedEventHandler>(_ event: MarketEvent, _ handler: inout H) {
        counters.marketEvents &+= 1
        handler.onMarketEvent(event)
    }

    /// The subscription slot answering to `tickerId`, if it is active.
    @inline(__always)
    func slot(forTicker tickerId: Int64) -> Int? {
        let offset = tickerId - configuration.firstTickerId
        guard offset >= 0 else { return nil }
        let slot = Int(offset % Int64(tickers.count))
        return tickers[slot].tickerId == tickerId ? slot : nil
    }

    /// nextValidId and managedAccounts both arrived: the connection is usable.
    func completeHandshakeIfReady<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        guard state == .handshaking, receivedNextValidId, receivedAccounts else { return }
        backoff.succeed()
        if everReady { counters.reconnects &+= 1 }
        everReady = true
        let queued = resubscribeAll()
        if queued > 0 && counters.reconnects > 0 { counters.resubscriptions &+= 1 }
        let next: FeedLinkState = upstreamLost ? .connectivityLost : (resubscribeRemaining > 0 ? .resubscribing : .ready)
        transition(to: next, reason: .handshakeComplete, code: Int64(serverVersion), now: now, handler: &handler)
    }

    /// TWS `error` (4): connection health codes, farm notices, pacing, per-ticker failures.
    func handleError<H: FeedEventHandler>(_ error: TWSError, now: Timestamp, handler: inout H) {
        counters.errorsReceived &+= 1
        let code = error.code
        if let (kind, status) = TWSFarmTable.classify(code) {
            let farm = farms.update(message: error.message, kind: kind, status: status)
            report(status == .broken ? .farmBroken : .farmRestored, code: code, farm: Int32(farm), now: now, handler: &handler)
            return
        }
        switch code {
        case 1100, 2110:
            upstreamLost = true
            let next: FeedLinkState = state == .handshaking ? .handshaking : .connectivityLost
            transition(to: next, reason: .connectivityLost, code: code, now: now, handler: &handler)
        case 1101:
            upstreamLost = false
            guard state != .handshaking else { return }  // the handshake sends everything anyway
            counters.resubscriptions &+= 1
            for i in tickers.indices where tickers[i].tickerId >= 0 { tickers[i].clearBook() }
            _ = resubscribeAll()
            transition(to: resubscribeRemaining > 0 ? .resubscribing : .ready, reason: .restoredDataLost, code: code,
                       now: now, handler: &handler)
        case 1102:
            upstreamLost = false
            guard state != .handshaking else { return }
            transition(to: resubscribeRemaining > 0 ? .resubscribing : .ready, reason: .restoredDataKept, code: code,
                       now: now, handler: &handler)
        case 100:
            counters.pacingViolations &+= 1
            let until = now + configuration.pacingViolationPause
            pacer.drain(until: until)
            pacingPausedUntil = until
            if let slot = slot(forTicker: error.id), !tickers[slot].queued {
                _ = enqueueSubscription(slot)  // TWS dropped that request
            }
            report(.pacingViolation, code: code, now: now, handler: &handler)
        case 326:
            pendingDrop = (.clientIdInUse, code)
        default:
            if let slot = slot(forTicker: error.id) { tickers[slot].lastError = code }
        }
    }

    // MARK: hot path end
}
