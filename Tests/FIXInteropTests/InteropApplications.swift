import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
import Synchronization

// Test-only Peregrine applications for the QuickFIX interop: a client that sends
// NewOrderSingles and records ExecutionReports, and a venue that answers orders with an
// ack and a fill. Both are called on the transport's connection thread and keep what they
// see under a lock, so the test thread may poll them while the session runs.

extension FIXEncoder {
    mutating func append(_ tag: Int, string: String) {
        var text = string
        text.withUTF8 { append(tag, bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension FIXMessageView {
    func string(_ tag: Int) -> String {
        guard let bytes = valueBytes(tag: tag) else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    var isPossibleDuplicate: Bool { string(FIXTag.possDupFlag) == "Y" }
}

/// One application message as an application saw it.
struct SeenMessage: Sendable, CustomStringConvertible {
    let type: String
    let sequence: Int
    let possibleDuplicate: Bool
    let clOrdID: String
    let execType: String
    let ordStatus: String

    init(_ message: FIXMessageView) {
        type = message.string(FIXTag.msgType)
        sequence = message.sequenceNumber ?? 0
        possibleDuplicate = message.isPossibleDuplicate
        clOrdID = message.string(11)
        execType = message.string(150)
        ordStatus = message.string(39)
    }

    var description: String {
        "35=\(type) 34=\(sequence)\(possibleDuplicate ? " 43=Y" : "") 11=\(clOrdID)"
            + (type == "8" ? " 150=\(execType) 39=\(ordStatus)" : "")
    }
}

/// Peregrine as the client: at each logon sends the next batch of NewOrderSingles (one
/// batch per logon, so a reconnect can add orders), records every application message.
final class OrderClient: FIXApplication, @unchecked Sendable {
    // SAFETY: mutable state lives in `state` (a Mutex); `batches` is immutable.
    struct State {
        var logons = 0
        var logouts = 0
        var batchesSent = 0
        var sent: [String] = []
        var received: [SeenMessage] = []
    }
    let state = Mutex(State())
    let batches: [[String]]

    init(batches: [[String]]) { self.batches = batches }

    var supportedMessageTypes: [FIXMessageType]? { nil }

    func onLogon(_ session: FIXSession) {
        let batch = state.withLock { s -> [String] in
            s.logons += 1
            guard s.batchesSent < batches.count else { return [] }
            s.batchesSent += 1
            return batches[s.batchesSent - 1]
        }
        for (i, id) in batch.enumerated() {
            let sequence = session.send(.newOrderSingle) { e in
                e.append(11, string: id)
                e.append(21, ascii: "1")                       // HandlInst
                e.append(38, int: 100 * (i + 1))               // OrderQty
                e.append(40, ascii: "2")                       // OrdType limit
                e.append(44, string: "\(20 + i).5")            // Price
                e.append(54, ascii: "1")                       // Side buy
                e.append(55, ascii: "PRGN")                    // Symbol
                e.append(60, timestamp: Clock.now(), precision: .milliseconds)
            }
            if sequence != nil { state.withLock { $0.sent.append(id) } }
        }
    }

    func onLogout(_ session: FIXSession) { state.withLock { $0.logouts += 1 } }

    func onMessage(_ message: FIXMessageView, session: FIXSession) -> FIXApplicationResult {
        let seen = SeenMessage(message)
        state.withLock { $0.received.append(seen) }
        return .accepted
    }

    var snapshot: State { state.withLock { $0 } }

    /// ClOrdIDs acknowledged (a report with ExecType 150=0).
    var acked: Set<String> { Set(snapshot.received.filter { $0.type == "8" && $0.execType == "0" }.map(\.clOrdID)) }
    /// ClOrdIDs filled (a report with OrdStatus 39=2).
    var filled: Set<String> { Set(snapshot.received.filter { $0.type == "8" && $0.ordStatus == "2" }.map(\.clOrdID)) }
}

/// Peregrine as the venue: every new NewOrderSingle gets an ack (150=0 39=0) and a fill
/// (150=F 39=2; FIX 4.2: 20=0 and 150=2); a ClOrdID seen before (a PossDup resend) is recorded and not answered
/// again. Shareable between a session and its restarted successor (the venue's memory).
final class VenueApplication: FIXApplication, @unchecked Sendable {
    // SAFETY: mutable state lives in `state` (a Mutex).
    struct State {
        var logons = 0
        var logouts = 0
        var orders: [SeenMessage] = []
        var answered: [String] = []
        var executions = 0
    }
    let state = Mutex(State())

    init() {}

    var supportedMessageTypes: [FIXMessageType]? { [.newOrderSingle] }

    func onLogon(_ session: FIXSession) { state.withLock { $0.logons += 1 } }
    func onLogout(_ session: FIXSession) { state.withLock { $0.logouts += 1 } }

    func onMessage(_ message: FIXMessageView, session: FIXSession) -> FIXApplicationResult {
        let seen = SeenMessage(message)
        let isNew = state.withLock { s -> Bool in
            let isNew = !s.answered.contains(seen.clOrdID)
            s.orders.append(seen)
            if isNew { s.answered.append(seen.clOrdID) }
            return isNew
        }
        guard isNew else { return .accepted }
        let quantity = message.string(38).isEmpty ? "100" : message.string(38)
        let price = message.string(44).isEmpty ? "10" : message.string(44)
        let side = message.string(54).isEmpty ? "1" : message.string(54)
        let symbol = message.string(55).isEmpty ? "XYZ" : message.string(55)
        let fix42 = session.configuration.version == .fix42
        for fill in [false, true] {
            let exec = state.withLock { s -> Int in s.executions += 1; return s.executions }
            session.send(.executionReport) { e in
                e.append(6, string: fill ? price : "0")              // AvgPx
                e.append(11, string: seen.clOrdID)
                e.append(14, string: fill ? quantity : "0")          // CumQty
                e.append(17, string: "PGE-\(exec)")                  // ExecID
                if fix42 { e.append(20, ascii: "0") }               // ExecTransType (4.2) New
                e.append(31, string: fill ? price : "0")             // LastPx
                e.append(32, string: fill ? quantity : "0")          // LastQty
                e.append(37, string: "PGO-" + seen.clOrdID)          // OrderID
                e.append(38, string: quantity)
                e.append(39, string: fill ? "2" : "0")               // OrdStatus
                e.append(54, string: side)
                e.append(55, string: symbol)
                e.append(150, string: fill ? (fix42 ? "2" : "F") : "0")   // ExecType
                e.append(151, string: fill ? "0" : quantity)         // LeavesQty
            }
        }
        return .accepted
    }

    var snapshot: State { state.withLock { $0 } }
}

/// Session set-up shared by the tests.
enum InteropSessions {
    static func initiator(target: String, version: FIXVersion = .fix44, store: any FIXMessageStore,
                          application: any FIXApplication) -> FIXSession {
        var configuration = FIXSessionConfiguration(version: version, senderCompID: "PEREGRINE", targetCompID: target,
                                                    role: .initiator)
        configuration.heartbeatIntervalSeconds = 30
        return FIXSession(configuration: configuration, dictionary: QuickFIX.dictionary(version), store: store,
                          application: application)
    }

    static func acceptor(target: String, version: FIXVersion = .fix44, store: any FIXMessageStore,
                         application: any FIXApplication) -> FIXSession {
        let configuration = FIXSessionConfiguration(version: version, senderCompID: "PEREGRINE", targetCompID: target,
                                                    role: .acceptor)
        return FIXSession(configuration: configuration, dictionary: QuickFIX.dictionary(version), store: store,
                          application: application)
    }
}
