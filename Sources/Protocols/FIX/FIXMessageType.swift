/// A FIX MsgType (35) value: one to four ASCII bytes packed into an integer.
///
/// Comparing and switching costs one integer compare; no `String` per message. Byte `i` of
/// the value sits in bits `8·i ..< 8·i + 8`, so "D" is 0x44 and "AF" is 0x4641.
@frozen
public struct FIXMessageType: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// Packed ASCII bytes, first byte lowest.
    public var rawValue: UInt32

    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Packs 1–4 bytes; `nil` if `bytes` is empty, longer than four bytes, or holds a byte
    /// outside printable ASCII. O(1), no allocation.
    @inlinable
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 1, bytes.count <= 4 else { return nil }
        var value: UInt32 = 0
        for i in 0..<bytes.count {
            let b = bytes[i]
            guard b > 0x20 && b < 0x7F else { return nil }
            value |= UInt32(b) << (8 * UInt32(i))
        }
        rawValue = value
    }

    /// From text such as "D" or "AF" (set-up and tests; traps on invalid text).
    public init(_ text: StaticString) {
        let value = text.withUTF8Buffer { FIXMessageType(bytes: UnsafeRawBufferPointer($0)) }
        guard let value else { preconditionFailure("invalid MsgType \(text)") }
        self = value
    }

    /// From text, or `nil` if invalid (dictionary loading).
    public init?(string: String) {
        var copy = string
        guard let value = copy.withUTF8({ FIXMessageType(bytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = value
    }

    /// Number of bytes (1–4).
    @inlinable public var count: Int {
        rawValue > 0xFF_FFFF ? 4 : rawValue > 0xFFFF ? 3 : rawValue > 0xFF ? 2 : 1
    }

    /// Byte `index` (0-based) of the value.
    @inlinable public func byte(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: rawValue >> (8 * UInt32(index))) }

    @inlinable public static func < (lhs: FIXMessageType, rhs: FIXMessageType) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The MsgType text ("D"); allocates, not for the hot path.
    public var description: String {
        String(decoding: (0..<count).map { byte($0) }, as: UTF8.self)
    }

    // MARK: Session messages
    public static let heartbeat = FIXMessageType("0")
    public static let testRequest = FIXMessageType("1")
    public static let resendRequest = FIXMessageType("2")
    public static let reject = FIXMessageType("3")
    public static let sequenceReset = FIXMessageType("4")
    public static let logout = FIXMessageType("5")
    public static let logon = FIXMessageType("A")
    // MARK: Application messages
    public static let businessMessageReject = FIXMessageType("j")
    public static let newOrderSingle = FIXMessageType("D")
    public static let orderCancelRequest = FIXMessageType("F")
    public static let orderCancelReplaceRequest = FIXMessageType("G")
    public static let orderCancelReject = FIXMessageType("9")
    public static let executionReport = FIXMessageType("8")
    public static let orderStatusRequest = FIXMessageType("H")
    public static let orderMassStatusRequest = FIXMessageType("AF")
    public static let marketDataRequest = FIXMessageType("V")
    public static let marketDataSnapshotFullRefresh = FIXMessageType("W")
    public static let marketDataIncrementalRefresh = FIXMessageType("X")
    public static let marketDataRequestReject = FIXMessageType("Y")
    public static let securityDefinition = FIXMessageType("d")
    public static let email = FIXMessageType("C")

    /// Whether this is a session-level (admin) message type (0–5, A).
    @inlinable
    public var isAdmin: Bool {
        switch rawValue {
        case 0x30...0x35, 0x41: return true
        default: return false
        }
    }
}
