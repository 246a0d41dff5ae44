import PeregrineCore

/// Where a session keeps its sequence numbers and the application messages it sent, so a
/// restart resumes with the right numbers and a ResendRequest can be answered.
///
/// Implementations: `FIXMemoryStore` (here), `FIXFileStore` (PeregrineFIXTransport:
/// memory-mapped, CRC'd, survives kill -9). Used by the session's owning thread only.
/// Messages that are not stored (administrative ones, or everything in store-less mode)
/// are answered with SequenceReset-GapFill.
public protocol FIXMessageStore: AnyObject {
    /// MsgSeqNum of the next message we send.
    var nextSenderSequenceNumber: Int { get set }
    /// MsgSeqNum we expect next from the counterparty.
    var nextTargetSequenceNumber: Int { get set }
    /// When the store was created or last reset (for the daily reset).
    var creationTime: Timestamp { get }
    /// Keeps a sent message under its sequence number.
    func save(sequenceNumber: Int, message: UnsafeRawBufferPointer)
    /// Lends the message sent as `sequenceNumber` to `body`; returns false when it is not
    /// stored.
    func withMessage(sequenceNumber: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool
    /// Sets both sequence numbers to 1 and forgets every message.
    func reset(at time: Timestamp)
}

/// A message store in process memory (lost with the process). One thread.
public final class FIXMemoryStore: FIXMessageStore {
    public var nextSenderSequenceNumber = 1
    public var nextTargetSequenceNumber = 1
    public private(set) var creationTime: Timestamp
    var messages: [Int: [UInt8]] = [:]

    public init(creationTime: Timestamp = .zero) { self.creationTime = creationTime }

    public func save(sequenceNumber: Int, message: UnsafeRawBufferPointer) {
        messages[sequenceNumber] = Array(message)
    }

    public func withMessage(sequenceNumber: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard let bytes = messages[sequenceNumber] else { return false }
        bytes.withUnsafeBytes { body($0) }
        return true
    }

    public func reset(at time: Timestamp) {
        nextSenderSequenceNumber = 1
        nextTargetSequenceNumber = 1
        messages.removeAll(keepingCapacity: true)
        creationTime = time
    }
}
