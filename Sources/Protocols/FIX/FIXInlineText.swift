/// Up to 31 bytes of ASCII text stored inline (32 bytes, no heap): symbols, accounts,
/// CompIDs and other short identifiers the encoder writes on every message.
///
/// Build it at set-up (from a `String`) and pass it by value on the hot path.
@frozen
public struct FIXInlineText: Sendable, BitwiseCopyable, Equatable {
    @usableFromInline var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Largest length.
    public static let capacity = 31

    /// Empty text.
    @inlinable public init() {}

    /// Copies `bytes`; `nil` if longer than 31 bytes or holding an SOH. O(n), no allocation.
    @inlinable
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= Self.capacity else { return nil }
        for b in bytes where b == FIXBytes.soh { return nil }
        withUnsafeMutableBytes(of: &storage) { raw in
            for i in 0..<bytes.count { raw[i] = bytes[i] }
            raw[31] = UInt8(bytes.count)
        }
    }

    /// Copies the UTF-8 of `text`; `nil` if longer than 31 bytes or holding an SOH.
    public init?(_ text: String) {
        var copy = text
        guard let value = copy.withUTF8({ FIXInlineText(bytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = value
    }

    /// Length in bytes.
    @inlinable public var count: Int { withUnsafeBytes(of: storage) { Int($0[31]) } }

    /// Calls `body` with the text's bytes (valid only inside `body`).
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let n = count
        return withUnsafeBytes(of: storage) { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }

    @inlinable
    public static func == (lhs: FIXInlineText, rhs: FIXInlineText) -> Bool {
        lhs.storage.0 == rhs.storage.0 && lhs.storage.1 == rhs.storage.1
            && lhs.storage.2 == rhs.storage.2 && lhs.storage.3 == rhs.storage.3
    }

    /// The text (allocates; tests and logs).
    public var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }
}
