import PeregrineCore

/// Live orders by (client order id, account): a fixed-capacity open-addressing hash table
/// (linear probing, backward-shift deletion so there are no tombstones), at most half full.
///
/// Maps the FIX ClOrdID / OrigClOrdID of a cancel or replace to the order's pool slot in O(1)
/// expected time. No allocation after `init`. Single writer (the engine's thread).
struct OrderIdIndex: Sendable {
    /// Order id per bucket; 0 (`OrderId.none`, never accepted) marks an empty bucket.
    private var keys: [UInt64]
    private var accounts: [UInt32]
    private var slots: [Int32]
    private let mask: Int

    init(capacity: Int) {
        var n = 2
        while n < capacity * 2 { n <<= 1 }
        mask = n - 1
        keys = Array(repeating: 0, count: n)
        accounts = Array(repeating: 0, count: n)
        slots = Array(repeating: -1, count: n)
    }

    @inline(__always)  // two multiplies; called on every new, cancel and replace
    private func home(_ id: UInt64, _ account: UInt32) -> Int {
        var x = id ^ (UInt64(account) &* 0xC2B2_AE3D_27D4_EB4F)
        x = (x ^ (x >> 31)) &* 0x9E37_79B9_7F4A_7C15   // splitmix64-style finaliser
        return Int(truncatingIfNeeded: x >> 17) & mask
    }

    /// The pool slot of the live order, or `nil`.
    func find(_ id: OrderId, account: AccountId) -> Int? {
        var i = home(id.rawValue, account.rawValue)
        while keys[i] != 0 {
            if keys[i] == id.rawValue && accounts[i] == account.rawValue { return Int(slots[i]) }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Adds a key known to be absent (the caller checked with `find`).
    mutating func insert(_ id: OrderId, account: AccountId, slot: Int) {
        var i = home(id.rawValue, account.rawValue)
        while keys[i] != 0 { i = (i + 1) & mask }
        keys[i] = id.rawValue; accounts[i] = account.rawValue; slots[i] = Int32(slot)
    }

    /// Removes the key if present (Knuth's algorithm R: shift later entries of the cluster back).
    mutating func remove(_ id: OrderId, account: AccountId) {
        var i = home(id.rawValue, account.rawValue)
        while keys[i] != 0 {
            if keys[i] == id.rawValue && accounts[i] == account.rawValue { break }
            i = (i + 1) & mask
        }
        guard keys[i] != 0 else { return }
        var j = i
        while true {
            j = (j + 1) & mask
            if keys[j] == 0 { break }
            let k = home(keys[j], accounts[j])
            // The entry at j may stay if its home lies cyclically in (i, j].
            let stays = i <= j ? (i < k && k <= j) : (i < k || k <= j)
            if stays { continue }
            keys[i] = keys[j]; accounts[i] = accounts[j]; slots[i] = slots[j]
            i = j
        }
        keys[i] = 0; slots[i] = -1
    }
}
