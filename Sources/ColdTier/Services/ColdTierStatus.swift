import Synchronization
import PeregrineWarehouse

/// What the cold-tier services have done and how far behind they are: one snapshot, readable
/// at any time from any thread (`ColdTierStatusBoard.snapshot`), logged periodically by
/// `ColdTierProgressService`.
public struct ColdTierStatus: Sendable, Equatable {
    /// A service's state.
    public enum State: String, Sendable, Equatable {
        /// Not started, or connecting for the first time.
        case starting
        /// Connected and working (or idle, caught up).
        case running
        /// PostgreSQL was lost: backing off before reconnecting.
        case reconnecting
        /// Returned after a graceful shutdown or cancellation.
        case stopped
        /// Gave up (the error is in `lastError`).
        case failed
    }

    /// The journal → warehouse loader (`WarehouseLoadService`).
    public struct Loader: Sendable, Equatable {
        public var state = State.starting
        /// Records committed since the service started, and of those quarantined.
        public var recordsLoaded = 0
        public var recordsQuarantined = 0
        public var batchesCommitted = 0
        /// Last committed journal sequence, and the journal's newest sequence when last looked at.
        public var lastSequence: UInt64 = 0
        public var journalHeadSequence: UInt64 = 0
        /// Records in the journal not yet in the warehouse.
        public var recordsBehind: UInt64 { journalHeadSequence > lastSequence ? journalHeadSequence - lastSequence : 0 }
        /// Wall time now minus the journal time of the last committed record (0 when caught up
        /// or before any record).
        public var secondsBehind: Double = 0
        /// Records per second since the service started.
        public var recordsPerSecond: Double = 0
        public var reconnects = 0
        public var caughtUp = false
        public var lastError: String?
        public init() {}
    }

    /// One warehouse-sourced continuous query (`ContinuousQueryService`).
    public struct Query: Sendable, Equatable {
        public var name: String
        public var state = State.starting
        /// Journal sequence the query's stored results cover, and the loader's committed sequence.
        public var lastSequence: UInt64 = 0
        public var loadedSequence: UInt64 = 0
        /// Loaded records the query has not processed yet.
        public var recordsBehind: UInt64 { loadedSequence > lastSequence ? loadedSequence - lastSequence : 0 }
        /// Seconds since the query was last caught up with the loader (0 while caught up).
        public var secondsBehind: Double = 0
        /// Market rows read and result rows written since the (last re)connect, results in all.
        public var rowsRead = 0
        public var rowsWritten = 0
        public var outputs: Int64 = 0
        /// Market rows per second read since the service started (replays included).
        public var rowsPerSecond: Double = 0
        public var reconnects = 0
        public var caughtUp = false
        public var lastError: String?
        public init(name: String) { self.name = name }
    }

    public var loader: Loader?
    public var queries: [Query] = []
    public init() {}
}

/// The shared, lock-protected `ColdTierStatus` the services write and anyone reads.
public final class ColdTierStatusBoard: Sendable {
    private let status = Mutex(ColdTierStatus())

    public init() {}

    /// A copy of the current status.
    public var snapshot: ColdTierStatus { status.withLock { $0 } }

    /// Changes the status under the lock (services call this after each batch).
    public func update(_ body: (inout ColdTierStatus) -> Void) {
        status.withLock { body(&$0) }
    }

    /// Changes the named query's entry, adding it if missing.
    func updateQuery(_ name: String, _ body: (inout ColdTierStatus.Query) -> Void) {
        status.withLock { status in
            if let i = status.queries.firstIndex(where: { $0.name == name }) {
                body(&status.queries[i])
            } else {
                var query = ColdTierStatus.Query(name: name)
                body(&query)
                status.queries.append(query)
            }
        }
    }
}
