import PeregrineCore
import PeregrineMarketData
import PeregrinePlatform

/// A live IQFeed Level 1 connection (IQConnect port 5009), driven by its owner's loop without
/// ever blocking: `S,SET PROTOCOL,6.2` on connect, the update layout, watches (`w`, trades-only
/// `t`, `r` to unwatch) remembered and re-sent after each reconnect, IQConnect's link to DTN
/// (`S,SERVER CONNECTED` / `DISCONNECTED`) as health, and reconnect with back-off.
///
/// Drive it like `TWSClientSession`: `start`, then `poll(now:handler:)` per loop iteration
/// and `timer(now:handler:)` every millisecond or so. Lines are decoded by
/// `IQFeedLevel1Decoder` (layout changes from `S,CURRENT UPDATE FIELDNAMES` applied in place)
/// into `MarketEvent`s for the handler. States: `handshaking` until `S,CURRENT PROTOCOL,6.2`
/// (another version drops the connection: `versionRejected`), then `ready`, or
/// `connectivityLost` (data stale) while IQConnect reports its DTN link down. IQConnect keeps
/// its watches across its own DTN reconnects, so those are not re-sent; a new socket re-sends
/// all of them.
///
/// Threading: one owner thread. Allocation: buffers and the symbol table at `init`; the
/// socket engine's buffers per (re)connect; `watch` stores the symbol. Nothing per line:
/// `poll` and `timer` do not allocate, lock, throw or build Strings (the watch commands sent
/// at a reconnect are encoded from the stored symbols' UTF-8 in place). Errors: nothing throws
/// after `init`; problems become health changes and counters.
public final class IQFeedLevel1Session {
    /// The set-up values.
    public let configuration: IQFeedSessionConfiguration
    let engine: SocketEngine
    var connection: TCPConnection? = nil
    var connector = FeedConnector()
    let inbound: FeedByteQueue
    let command: UnsafeMutableRawBufferPointer
    var decoder: IQFeedLevel1Decoder
    var output = IQFeedLevel1Output()
    var backoff: ReconnectBackoff

    /// Connection health.
    public internal(set) var state = FeedLinkState.disconnected
    /// Whether market data should be treated as stale (anything but `ready`).
    public internal(set) var dataStale = true
    /// Volumes and faults.
    public internal(set) var counters = FeedSessionCounters()
    /// IQConnect's link to DTN as last reported (`S,SERVER CONNECTED` / `DISCONNECTED`).
    public internal(set) var serverLinkUp = true
    /// Whether the clock is inside the configured reset window.
    public var inResetWindow: Bool { resetWindow.inside }
    /// Symbols IQConnect answered `n,` (not found) for, since the last reconnect.
    public internal(set) var symbolsNotFound = 0

    var running = false
    var everReady = false
    var nextConnectAt = Timestamp.zero
    var phaseDeadline = Timestamp.zero
    var resetWindow = FeedResetWindowTracker()
    var discardingLine = false
    var pendingDrop: (reason: FeedHealthReason, code: Int64)? = nil
    var watches: [IQFeedWatch] = []
    var selectedFields: [IQFeedUpdateLayout.Field]? = nil

    /// A session on `engine` (owned by the caller's thread). Set-up: allocates the buffers and
    /// symbol table. Does not connect until `start`.
    public init(configuration: IQFeedSessionConfiguration, engine: SocketEngine) {
        self.configuration = configuration
        self.engine = engine
        inbound = FeedByteQueue(capacity: max(4_096, configuration.receiveBufferBytes, configuration.maximumLineBytes * 2))
        command = UnsafeMutableRawBufferPointer.allocate(byteCount: 16_384, alignment: 8)
        let date = configuration.sessionDate != 0 ? configuration.sessionDate : IQFeedLevel1Encoder.newYorkDate(of: Clock.now())
        decoder = IQFeedLevel1Decoder(symbols: IQFeedSymbolTable(capacity: max(1, configuration.symbolCapacity)),
                                      venue: configuration.venue, sessionDate: date)
        backoff = ReconnectBackoff(initial: configuration.initialReconnectDelay, maximum: configuration.maximumReconnectDelay)
        selectedFields = configuration.updateFields
        watches.reserveCapacity(configuration.symbolCapacity)
    }

    deinit {
        connector.abandon()
        connection?.close()
        command.deallocate()
    }

    /// The current P/Q layout (as IQConnect last announced it).
    public var layout: IQFeedUpdateLayout { decoder.layout }

    /// Symbols being watched.
    public var watchedSymbols: [String] { watches.map(\.symbol) }

    // MARK: - Watches (set-up: they store the symbol)

    /// Watches `symbol` (`w`, or `t` for trades only) as `instrument`: sent now if the
    /// handshake is done, else after it; re-sent after every reconnect. `false` if the symbol
    /// is empty, longer than 32 bytes, or the table is full. Owning thread; allocates.
    @discardableResult
    public func watch(_ symbol: String, instrument: InstrumentId, tradesOnly: Bool = false) -> Bool {
        let entry = IQFeedWatch(symbol: symbol, instrument: instrument, tradesOnly: tradesOnly)
        let existing = watches.firstIndex { $0.symbol == symbol }
        guard existing != nil || watches.count < configuration.symbolCapacity,
              decoder.symbols.insert(symbol, id: instrument) else { return false }
        if let existing { watches[existing] = entry } else { watches.append(entry) }
        if handshakeDone { sendWatch(entry) }
        return true
    }

    /// Stops watching `symbol` (`r`, if connected); `false` if it was not watched.
    @discardableResult
    public func unwatch(_ symbol: String) -> Bool {
        guard let i = watches.firstIndex(where: { $0.symbol == symbol }) else { return false }
        watches.remove(at: i)
        if handshakeDone { send { IQFeedCommands.unwatch(symbol, into: $0) } }
        return true
    }

    /// Selects the P/Q layout (`S,SELECT UPDATE FIELDS`), now if connected, and after every
    /// reconnect. Set-up; allocates.
    public func selectUpdateFields(_ fields: [IQFeedUpdateLayout.Field]) {
        selectedFields = fields
        if handshakeDone { sendLayoutRequest() }
    }

    var handshakeDone: Bool { state == .ready || state == .connectivityLost }

    // MARK: - Lifecycle

    /// Starts connecting (on the next `timer`) and keeps reconnecting until `stop`.
    public func start<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        guard !running else { return }
        running = true
        nextConnectAt = now
        resetWindow.restart(now: now)
        report(.started, now: now, handler: &handler)
    }

    /// Closes the connection and stops reconnecting; watches are kept.
    public func stop<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        guard running else { return }
        running = false
        closeConnection()
        transition(to: .disconnected, reason: .stopped, now: now, handler: &handler)
    }

    /// Connect and reconnect, timeouts and the reset window. Call every millisecond or so.
    /// Never blocks; no allocation. Returns the work done.
    @discardableResult
    public func timer<H: FeedEventHandler>(now: Timestamp, handler: inout H) -> Int {
        guard running else { return 0 }
        var work = 0
        if let crossed = resetWindow.poll(now: now, window: configuration.resetWindow) {
            report(crossed, now: now, handler: &handler)
            work += 1
        }
        switch state {
        case .disconnected:
            if now >= nextConnectAt {
                work += 1
                counters.connectAttempts += 1
                switch connector.start(configuration.address) {
                case .connected:
                    transition(to: .connecting, reason: .connectStarted, now: now, handler: &handler)
                    finishConnect(now: now, handler: &handler)
                case .inProgress:
                    phaseDeadline = now + configuration.connectTimeout
                    transition(to: .connecting, reason: .connectStarted, now: now, handler: &handler)
                case .failed(let code):
                    connectFailed(.connectFailed, code: Int64(code), now: now, handler: &handler)
                }
            }
        case .connecting:
            switch connector.check() {
            case .inProgress:
                if now >= phaseDeadline {
                    connector.abandon()
                    connectFailed(.connectTimedOut, code: Int64(FeedErrno.timedOut), now: now, handler: &handler)
                    work += 1
                }
            case .connected:
                finishConnect(now: now, handler: &handler)
                work += 1
            case .failed(let code):
                connectFailed(.connectFailed, code: Int64(code), now: now, handler: &handler)
                work += 1
            }
        case .handshaking:
            if now >= phaseDeadline { pendingDrop = (.handshakeTimedOut, 0); work += 1 }
        case .resubscribing, .ready, .connectivityLost:
            break
        }
        applyPendingDrop(now: now, handler: &handler)
        return work
    }

    func connectFailed<H: FeedEventHandler>(_ reason: FeedHealthReason, code: Int64, now: Timestamp, handler: inout H) {
        counters.connectFailures += 1
        nextConnectAt = now + (inResetWindow ? configuration.resetWindowRetryDelay : backoff.fail())
        transition(to: .disconnected, reason: reason, code: code, now: now, handler: &handler)
    }

    /// TCP is up: adopt the socket, send the protocol line, wait for its confirmation.
    func finishConnect<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        let adopted: TCPConnection
        do {
            let socket = try connector.take()
            adopted = try engine.adopt(socket)
        } catch {
            connectFailed(.connectFailed, code: Int64(error.errno), now: now, handler: &handler)
            return
        }
        connection = adopted
        inbound.removeAll()
        discardingLine = false
        serverLinkUp = true
        symbolsNotFound = 0
        phaseDeadline = now + configuration.handshakeTimeout
        transition(to: .handshaking, reason: .connected, now: now, handler: &handler)
        send { IQFeedCommands.setProtocol("6.2", into: $0) }
        if !configuration.clientName.isEmpty {
            let name = configuration.clientName
            send { IQFeedCommands.setClientName(name, into: $0) }
        }
    }

    func closeConnection() {
        connector.abandon()
        if let connection {
            connection.close()
            self.connection = nil
        }
        inbound.removeAll()
        pendingDrop = nil
    }

    func applyPendingDrop<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        guard let drop = pendingDrop else { return }
        closeConnection()
        guard running else { return }
        nextConnectAt = now + (inResetWindow ? configuration.resetWindowRetryDelay : backoff.fail())
        transition(to: .disconnected, reason: drop.reason, code: drop.code, now: now, handler: &handler)
    }

    // MARK: - Sending

    /// Encodes one command into the command buffer and sends it (a failed send ends the
    /// connection at the end of the call). No allocation beyond what `encode` does.
    func send(_ encode: (UnsafeMutableRawBufferPointer) -> Int?) {
        guard let connection, pendingDrop == nil else { return }
        guard let n = encode(command) else {
            counters.requestsRejected &+= 1
            return
        }
        let result = connection.send(UnsafeRawBufferPointer(rebasing: command[0..<n]))
        guard case .sent = result else {
            pendingDrop = result == .closed ? (.peerClosed, 0) : (.socketError, 0)
            return
        }
        counters.messagesSent &+= 1
        counters.bytesSent &+= n
    }

    func sendWatch(_ watch: IQFeedWatch) {
        if watch.tradesOnly {
            send { IQFeedCommands.watchTrades(watch.symbol, into: $0) }
        } else {
            send { IQFeedCommands.watch(watch.symbol, into: $0) }
        }
    }

    func sendLayoutRequest() {
        if let fields = selectedFields {
            send { IQFeedCommands.selectUpdateFields(fields, into: $0) }
        } else {
            send { IQFeedCommands.requestCurrentUpdateFieldNames(into: $0) }
        }
    }

    // MARK: - Health

    func transition<H: FeedEventHandler>(to next: FeedLinkState, reason: FeedHealthReason, code: Int64 = 0,
                                         now: Timestamp, handler: inout H) {
        let previous = state
        state = next
        dataStale = next != .ready
        counters.healthChanges += 1
        handler.onHealthChange(FeedHealthChange(time: now, previous: previous, state: next, dataStale: dataStale,
                                                reason: reason, code: code))
    }

    func report<H: FeedEventHandler>(_ reason: FeedHealthReason, code: Int64 = 0, now: Timestamp, handler: inout H) {
        transition(to: state, reason: reason, code: code, now: now, handler: &handler)
    }
}

/// One watched symbol (cold: kept for re-watching after a reconnect).
struct IQFeedWatch {
    var symbol: String
    var instrument: InstrumentId
    var tradesOnly: Bool
}
