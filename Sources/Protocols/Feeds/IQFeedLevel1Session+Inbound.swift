import PeregrineCore
import PeregrineMarketData
import PeregrinePlatform

extension IQFeedLevel1Session {
    // MARK: hot path begin

    /// Takes the bytes already arrived (never waits), decodes every whole line, updates
    /// health, and hands events to `handler`. Returns the lines handled (0 when idle).
    ///
    /// Owning thread; no allocation, lock or String. Cost: one `recv`, one copy into the
    /// receive buffer, one pass over each line plus a symbol hash.
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
        applyPendingDrop(now: now, handler: &handler)
        return work
    }

    func ingest<H: FeedEventHandler>(_ bytes: UnsafeRawBufferPointer, now: Timestamp, handler: inout H) -> Int {
        counters.bytesReceived &+= bytes.count
        var offset = 0
        var lines = 0
        while offset < bytes.count && pendingDrop == nil {
            if discardingLine {
                // Skip to the LF ending an oversized line.
                while offset < bytes.count && bytes[offset] != 10 { offset += 1; counters.discardedBytes &+= 1 }
                if offset < bytes.count { offset += 1; counters.discardedBytes &+= 1; discardingLine = false }
                continue
            }
            let taken = inbound.append(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            offset += taken
            lines += decodeLines(now: now, handler: &handler)
            if inbound.count >= configuration.maximumLineBytes {
                // No LF within the limit: drop what is buffered and the rest of the line.
                counters.discardedBytes &+= inbound.count
                counters.malformedMessages &+= 1
                inbound.removeAll()
                discardingLine = true
            }
        }
        return lines
    }

    /// Decodes the whole lines at the front of the receive buffer.
    func decodeLines<H: FeedEventHandler>(now: Timestamp, handler: inout H) -> Int {
        var lines = 0
        let buffer = inbound.readable
        var start = 0
        while pendingDrop == nil, let found = IQFeedText.nextLine(in: buffer, from: start) {
            start = found.next
            if found.line.count == 0 { continue }
            lines += 1
            if found.line.count > configuration.maximumLineBytes {
                counters.discardedBytes &+= found.line.count
                counters.malformedMessages &+= 1
                continue
            }
            handle(found.line, now: now, handler: &handler)
        }
        inbound.consume(start)
        return lines
    }

    /// Uses one line, then shows it to the handler.
    func handle<H: FeedEventHandler>(_ line: UnsafeRawBufferPointer, now: Timestamp, handler: inout H) {
        counters.messagesReceived &+= 1
        let result = decoder.decode(line, receiveTime: now, into: &output)
        switch result {
        case .events:
            counters.marketEvents &+= output.eventCount
            handler.onMarketEvent(output.first)
            if output.eventCount > 1 { handler.onMarketEvent(output.second) }
        case .noEvent, .fundamental, .timestamp, .system, .ignored, .layoutChanged:
            break
        case .unknownSymbol:
            counters.unmatchedMessages &+= 1
        case .symbolNotFound:
            symbolsNotFound &+= 1
        case .error:
            counters.errorsReceived &+= 1
        case .malformed:
            counters.malformedMessages &+= 1
        case .unknownType:
            counters.unknownMessages &+= 1
        case .protocolConfirmed:
            confirmProtocol(UnsafeRawBufferPointer(rebasing: line[output.text]), now: now, handler: &handler)
        case .serverConnected:
            serverLinkUp = true
            if state == .connectivityLost {
                transition(to: .ready, reason: .serverConnected, now: now, handler: &handler)
            } else {
                report(.serverConnected, now: now, handler: &handler)
            }
        case .serverDisconnected:
            serverLinkUp = false
            if state == .ready {
                transition(to: .connectivityLost, reason: .connectivityLost, now: now, handler: &handler)
            } else {
                report(.connectivityLost, now: now, handler: &handler)
            }
        }
        handler.onIQFeedLine(result, line: line, output: output)
    }

    /// `S,CURRENT PROTOCOL,<v>`: 6.2 completes the handshake (layout request, every watch);
    /// anything else drops the connection.
    func confirmProtocol<H: FeedEventHandler>(_ version: UnsafeRawBufferPointer, now: Timestamp, handler: inout H) {
        var end = version.count
        while end > 0 && version[end - 1] == UInt8(ascii: ",") { end -= 1 }
        guard IQFeedText.equals(UnsafeRawBufferPointer(rebasing: version[0..<end]), "6.2") else {
            pendingDrop = (.versionRejected, 0)
            return
        }
        guard state == .handshaking else { return }
        sendLayoutRequest()
        for i in watches.indices { sendWatch(watches[i]) }
        backoff.succeed()
        if everReady {
            counters.reconnects &+= 1
            if !watches.isEmpty { counters.resubscriptions &+= 1 }
        }
        everReady = true
        transition(to: serverLinkUp ? .ready : .connectivityLost, reason: .handshakeComplete, now: now, handler: &handler)
    }

    // MARK: hot path end
}
