import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform

/// One venue's order session inside the engine: its FIX session and store, TLS context,
/// the link while connected, and its state — or, for a TWS venue, its `TWSOrderLink`
/// (engine thread only).
final class VenueLink {
    let index: Int
    let id: VenueId
    let name: String
    let address: SocketAddress
    let session: FIXSession
    let tls: FIXTLSSettings?
    let tlsContext: FIXTLSContext?
    let accountText: FIXInlineText
    /// Venue-specific fields, pre-encoded (tag, value bytes).
    let extraFields: [(tag: Int, value: [UInt8])]
    let cancelsOnDisconnect: Bool
    var link: FIXSessionLink? = nil
    var nextConnectAttempt: UInt64 = 0
    /// Logged on since the last connect.
    var up = false
    /// Open orders must be marked cancelled (venue cancel-on-disconnect) once the session is
    /// logged on again and has caught up.
    var codPending = false
    /// Set for a `protocol = tws` venue: orders go over its TWS API session instead of the
    /// FIX session above (which then stays unconnected). See `TWSOrderLink`.
    var tws: TWSOrderLink? = nil
    /// Status-request reconciliation after a reconnect (MassStatusReconciliation.swift).
    var reconciliation = VenueReconciliation()

    /// Builds the session and its store (a file store in `storeDirectory` — sequence numbers
    /// survive restarts — or store-less memory with a reset at every logon). Cold.
    init(index: Int, id: VenueId, spec: AdditionalVenue, storeDirectory: String?) throws(EngineError) {
        self.index = index
        self.id = id
        name = spec.name
        address = spec.orderEntry
        tls = spec.tls
        cancelsOnDisconnect = spec.cancelsOnDisconnect
        guard let text = FIXInlineText(spec.accountName) else { throw EngineError("account name of \(spec.name) too long") }
        accountText = text
        extraFields = spec.extraOrderFields.map { ($0.tag, Array($0.value.utf8)) }
        for field in spec.extraOrderFields where field.tag <= 0 || [8, 9, 10, 34, 35, 49, 52, 56].contains(field.tag) {
            throw EngineError("venue \(spec.name): tag \(field.tag) cannot be mapped (header, trailer or invalid)")
        }
        var sc = FIXSessionConfiguration(version: spec.fixVersion, senderCompID: spec.senderCompID,
                                         targetCompID: spec.targetCompID, role: .initiator)
        sc.heartbeatIntervalSeconds = spec.heartbeatSeconds
        let store: any FIXMessageStore
        if let directory = storeDirectory {
            do {
                store = try FIXFileStore(path: "\(directory)/\(spec.name)-\(spec.senderCompID)-\(spec.targetCompID).fixstore")
            } catch {
                throw EngineError("FIX store in \(directory): \(error)")
            }
            sc.resetOnLogon = false
        } else {
            // Store-less: a fresh session each logon, and a resend request for our old
            // messages is answered with a gap fill — stale orders are never re-sent, and
            // sending allocates nothing.
            store = FIXMemoryStore()
            sc.resetOnLogon = true
            sc.persistMessages = false
        }
        session = FIXSession(configuration: sc, dictionary: nil, store: store)
        if let tls = spec.tls {
            do { tlsContext = try FIXTLSContext(settings: tls, role: .initiator) } catch {
                throw EngineError("order session TLS (\(spec.name)): \(error)")
            }
        } else {
            tlsContext = nil
        }
    }
}
