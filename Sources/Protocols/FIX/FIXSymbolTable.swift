import PeregrineCore

/// Maps FIX Symbol (55) text to Peregrine's dense `InstrumentId` and back, for the order-flow
/// decoders and encoders (`FIXOrderMessages`, `FIXEncoder+Orders`).
///
/// Built once at set-up (`init` and `insert` allocate); read on the hot path (`lookup` and
/// `symbol(of:)` never allocate). Symbols are stored as `FIXInlineText` (≤ 31 bytes, 32
/// bytes inline), so a key is four 64-bit words: `lookup` copies the received bytes into one
/// such key, hashes the words and probes an open-addressing table (linear probing, load
/// factor ≤ ½, so a probe sequence is short and always ends at an empty slot). The reverse
/// direction is a dense array indexed by `InstrumentId.index` (ids from the
/// `InstrumentRegistry` are dense; memory is 32 bytes × (largest id + 1)).
///
/// Thread: build on one thread, then share freely (a value type; reads are pure). Errors:
/// `insert` returns `false`; reads return `nil`. Symbols compare byte for byte (case matters).
public struct FIXSymbolTable: Sendable {
    /// Open-addressing slots: the symbol (count 0 = empty slot) and its id.
    @usableFromInline var slotKeys: [FIXInlineText]
    @usableFromInline var slotIds: [InstrumentId]
    /// Symbols by `InstrumentId.index`; count 0 = no symbol for that id.
    @usableFromInline var symbolsById: [FIXInlineText]
    /// Slot count − 1 (the slot count is a power of two).
    @usableFromInline let slotMask: Int
    /// The most symbols the table accepts.
    @usableFromInline let capacity: Int
    /// Number of symbols inserted.
    public private(set) var count: Int

    /// Ids at or above this are refused by `insert` (bounds the dense reverse array).
    @usableFromInline static let maxInstrumentIndex = 1 << 24

    /// Creates an empty table for up to `capacity` symbols (set-up; allocates about
    /// 2 × 36 bytes per slot for the hash table plus the reverse array as ids arrive).
    ///
    /// - Precondition: `0 < capacity ≤ 2²⁴` (a programmer error otherwise).
    public init(capacity: Int) {
        precondition(capacity > 0 && capacity <= Self.maxInstrumentIndex, "FIXSymbolTable capacity out of range")
        var slots = 8
        while slots < capacity * 2 { slots <<= 1 }
        slotKeys = [FIXInlineText](repeating: FIXInlineText(), count: slots)
        slotIds = [InstrumentId](repeating: .none, count: slots)
        symbolsById = []
        symbolsById.reserveCapacity(capacity)
        slotMask = slots - 1
        self.capacity = capacity
        count = 0
    }

    /// Adds `symbol` for `id` (set-up; may allocate to grow the reverse array).
    ///
    /// Returns `false`, changing nothing, when the table is full, `symbol` is empty, longer
    /// than 31 UTF-8 bytes or holds an SOH, `symbol` or `id` is already present, or `id` is
    /// `InstrumentId.none` or ≥ 2²⁴. O(1) expected.
    @discardableResult
    public mutating func insert(_ symbol: String, id: InstrumentId) -> Bool {
        guard count < capacity, id != .none, id.index < Self.maxInstrumentIndex,
              let key = FIXInlineText(symbol), key.count > 0 else { return false }
        if id.index < symbolsById.count && symbolsById[id.index].count != 0 { return false }
        var slot = Self.hash(key) & slotMask
        while slotKeys[slot].count != 0 {
            if slotKeys[slot] == key { return false }
            slot = (slot &+ 1) & slotMask
        }
        slotKeys[slot] = key
        slotIds[slot] = id
        if id.index >= symbolsById.count {
            symbolsById.append(contentsOf: repeatElement(FIXInlineText(), count: id.index + 1 - symbolsById.count))
        }
        symbolsById[id.index] = key
        count += 1
        return true
    }

    /// The instrument whose symbol is exactly `symbol` (e.g. a Symbol (55) value from a
    /// `FIXMessageView`), or `nil` when absent, empty or longer than 31 bytes.
    ///
    /// Thread: any. No allocation, no locks. O(1) expected: a 32-byte copy, one hash of
    /// four words and a short probe comparing four words per slot.
    @inlinable
    public func lookup(_ symbol: UnsafeRawBufferPointer) -> InstrumentId? {
        guard !symbol.isEmpty, let key = FIXInlineText(bytes: symbol) else { return nil }
        var slot = Self.hash(key) & slotMask
        while true {
            let candidate = slotKeys[slot]
            if candidate.count == 0 { return nil }
            if candidate == key { return slotIds[slot] }
            slot = (slot &+ 1) & slotMask
        }
    }

    /// The symbol of `id`, or `nil` when `id` has none (to pass to the encoders).
    ///
    /// Thread: any. No allocation. O(1): one array read.
    @inlinable
    public func symbol(of id: InstrumentId) -> FIXInlineText? {
        let index = id.index
        guard index < symbolsById.count else { return nil }
        let text = symbolsById[index]
        return text.count == 0 ? nil : text
    }

    /// A 64-bit mix of the key's four words (each step a multiply by an odd constant and an
    /// xor-shift, after SplitMix64), folded to `Int`. The length byte is part of word 3, and
    /// bytes past the length are zero, so equal texts hash equally.
    @inlinable @inline(__always)
    static func hash(_ key: FIXInlineText) -> Int {
        let words = key.storage
        var h = words.0 &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ (h >> 29) ^ words.1) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 32) ^ words.2) &* 0x94D0_49BB_1331_11EB
        h = (h ^ (h >> 29) ^ words.3) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }
}
