import PeregrineCore

/// A fixed-capacity symbol → `InstrumentId` map built at set-up and read per message.
///
/// Open addressing with linear probing over preallocated arrays: symbol bytes live in one flat
/// array of `maximumSymbolLength`-byte slots, so a lookup hashes the wire bytes (FNV-1a, 64 bit)
/// and compares them in place — no `String`, no allocation. `insert` is set-up only (one thread,
/// before the decoder runs); `lookup` is safe from any thread once set-up is done, costs one hash
/// over the symbol plus usually one slot compare. Load factor is kept at or below one half.
public struct IQFeedSymbolTable: Sendable {
    /// Longest symbol accepted (IQFeed equity/option/future symbols fit easily).
    public static let maximumSymbolLength = 32

    let slotCount: Int
    var lengths: [UInt8]        // 0 = empty slot
    var bytes: [UInt8]          // slotCount × maximumSymbolLength
    var ids: [InstrumentId]
    public private(set) var count = 0
    public let capacity: Int

    /// An empty table for up to `capacity` symbols.
    public init(capacity: Int) {
        precondition(capacity > 0, "symbol table capacity must be positive")
        var slots = 1
        while slots < capacity * 2 { slots <<= 1 }
        self.capacity = capacity
        slotCount = slots
        lengths = [UInt8](repeating: 0, count: slots)
        bytes = [UInt8](repeating: 0, count: slots * Self.maximumSymbolLength)
        ids = [InstrumentId](repeating: .none, count: slots)
    }

    /// Adds (or re-maps) `symbol`; `false` if it is empty, too long or the table is full.
    @discardableResult
    public mutating func insert(_ symbol: String, id: InstrumentId) -> Bool {
        let utf8 = Array(symbol.utf8)
        guard !utf8.isEmpty, utf8.count <= Self.maximumSymbolLength else { return false }
        let found = utf8.withUnsafeBytes { slot(for: $0) }
        if lengths[found] != 0 {
            ids[found] = id
            return true
        }
        guard count < capacity else { return false }
        lengths[found] = UInt8(utf8.count)
        for (i, b) in utf8.enumerated() { bytes[found * Self.maximumSymbolLength + i] = b }
        ids[found] = id
        count += 1
        return true
    }

    /// The id of the symbol spelled by `symbol`, or `nil`. No allocation.
    public func lookup(_ symbol: UnsafeRawBufferPointer) -> InstrumentId? {
        guard symbol.count > 0 && symbol.count <= Self.maximumSymbolLength else { return nil }
        let s = slot(for: symbol)
        return lengths[s] == 0 ? nil : ids[s]
    }

    /// The symbol's slot, or the empty slot where it would go.
    func slot(for symbol: UnsafeRawBufferPointer) -> Int {
        // FNV-1a 64-bit (Fowler, Noll, Vo): cheap, good enough spread for short tickers.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in symbol { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        let mask = slotCount - 1
        var s = Int(truncatingIfNeeded: hash ^ (hash >> 32)) & mask
        return lengths.withUnsafeBufferPointer { lengths in
            bytes.withUnsafeBufferPointer { bytes in
                while true {
                    let length = Int(lengths[s])
                    if length == 0 { return s }
                    if length == symbol.count {
                        let base = s * Self.maximumSymbolLength
                        var same = true
                        for i in 0..<length where bytes[base + i] != symbol[i] { same = false; break }
                        if same { return s }
                    }
                    s = (s + 1) & mask
                }
            }
        }
    }
}
