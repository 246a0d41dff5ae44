import PeregrineCore
import PeregrineFIX

/// A message store that re-reads its persistent state right before each logon — QuickFIX's
/// RefreshOnLogon, for a hot standby that shares the store file with the primary: when the
/// standby takes over, it resumes from the primary's sequence numbers and sent messages,
/// not from what it read at start-up.
///
/// `FIXAcceptor` and `FIXInitiator` call `refreshBeforeLogon()` on the connection thread
/// just before `session.connected` (the initiator's Logon is sent there; an acceptor's
/// session is connected once its Logon has arrived). Set-up cost, not per message.
public protocol FIXStoreRefreshing: AnyObject {
    /// Reloads sequence numbers and the stored-message index from the persistent copy.
    func refreshBeforeLogon()
}

extension FIXFileStore {
    /// Re-reads the state slots and the message log from the mapped file, forgetting what
    /// this instance had in memory (another process may have written the file since).
    /// Owner thread; allocates only the index.
    public func refresh() {
        offsets.removeAll(keepingCapacity: true)
        logEnd = Self.logStart
        recover()
    }
}

/// A `FIXFileStore` that refreshes itself before every logon (RefreshOnLogon=Y). Forwards
/// every store call; one extra indirection per call.
public final class FIXRefreshOnLogonStore: FIXMessageStore, FIXStoreRefreshing {
    /// The file store underneath.
    public let base: FIXFileStore
    /// How many times the store was refreshed.
    public private(set) var refreshCount = 0

    public init(_ base: FIXFileStore) { self.base = base }

    public func refreshBeforeLogon() {
        base.refresh()
        refreshCount += 1
    }

    public var nextSenderSequenceNumber: Int {
        get { base.nextSenderSequenceNumber }
        set { base.nextSenderSequenceNumber = newValue }
    }

    public var nextTargetSequenceNumber: Int {
        get { base.nextTargetSequenceNumber }
        set { base.nextTargetSequenceNumber = newValue }
    }

    public var creationTime: Timestamp { base.creationTime }

    public func save(sequenceNumber: Int, message: UnsafeRawBufferPointer) {
        base.save(sequenceNumber: sequenceNumber, message: message)
    }

    public func withMessage(sequenceNumber: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        base.withMessage(sequenceNumber: sequenceNumber, body)
    }

    public func reset(at time: Timestamp) { base.reset(at: time) }
}
