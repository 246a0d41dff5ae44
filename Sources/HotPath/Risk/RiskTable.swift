/// A fixed-size table of plain values in memory owned by `PreTradeRisk`.
///
/// The risk stage's per-key state lived in `Array`s, and every write on the order path paid
/// a call to the runtime's uniqueness check (copy-on-write) — a dozen and more per order.
/// `PreTradeRisk` is `~Copyable`, so its tables can never be shared: they are allocated once
/// in its `init`, freed in its `deinit`, and written in place. Indices are still checked
/// (a compare and a trap, as `Array` does), only the uniqueness checks are gone.
///
/// Not a value type: copying a `RiskTable` copies the reference to the same memory. Only
/// `PreTradeRisk` holds them, one each, and frees them exactly once.
struct RiskTable<Element: BitwiseCopyable> {
    let base: UnsafeMutablePointer<Element>
    let count: Int

    /// `count` copies of `value` (set-up: allocates).
    init(repeating value: Element, count: Int) {
        precondition(count >= 0, "table size must not be negative")
        self.count = count
        base = .allocate(capacity: Swift.max(count, 1))
        base.initialize(repeating: value, count: count)
    }

    /// Element `index` (traps when out of range), read or written in place.
    subscript(index: Int) -> Element {
        @inline(__always)
        unsafeAddress {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "risk table index out of range")
            return UnsafePointer(base + index)
        }
        @inline(__always)
        nonmutating unsafeMutableAddress {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "risk table index out of range")
            return base + index
        }
    }

    /// Frees the memory (the owner's `deinit`; the elements are trivial).
    func deallocate() { base.deallocate() }
}
