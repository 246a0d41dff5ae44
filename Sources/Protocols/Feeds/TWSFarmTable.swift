import PeregrineMarketData

/// The status of TWS's data farms as told by its 2103–2158 notices ("Market data farm
/// connection is broken:usfarm"), one slot per farm name.
///
/// A broken or connecting market-data farm makes live data stale; HMDS (history) and sec-def
/// farms are tracked but do not. Names are stored as bytes in preallocated slots (no String);
/// `update` costs a scan of at most `capacity` short names. One owner thread.
public struct TWSFarmTable: Sendable {
    /// What a farm serves.
    public enum Kind: UInt8, Sendable { case marketData, historical, securityDefinition }
    /// What the last notice said.
    public enum Status: UInt8, Sendable { case ok, inactive, connecting, broken }

    /// Most farms tracked (TWS reports a handful; later ones are ignored).
    public static let capacity = 16
    static let nameBytes = 32

    var names: [UInt8]
    var nameLengths: [UInt8]
    var kinds: [Kind]
    var statuses: [Status]
    /// Farms seen.
    public private(set) var count = 0

    init() {
        names = [UInt8](repeating: 0, count: Self.capacity * Self.nameBytes)
        nameLengths = [UInt8](repeating: 0, count: Self.capacity)
        kinds = [Kind](repeating: .marketData, count: Self.capacity)
        statuses = [Status](repeating: .ok, count: Self.capacity)
    }

    /// The kind and status a TWS error code announces, or `nil` if it is not a farm notice.
    static func classify(_ code: Int64) -> (Kind, Status)? {
        switch code {
        case 2103: return (.marketData, .broken)
        case 2104: return (.marketData, .ok)
        case 2108: return (.marketData, .inactive)
        case 2119: return (.marketData, .connecting)
        case 2105: return (.historical, .broken)
        case 2106: return (.historical, .ok)
        case 2107: return (.historical, .inactive)
        case 2157: return (.securityDefinition, .broken)
        case 2158: return (.securityDefinition, .ok)
        default: return nil
        }
    }

    /// Records a farm notice; returns the farm's slot (−1 if the table is full).
    mutating func update(message: TWSText, kind: Kind, status: Status) -> Int {
        let name = Self.farmName(in: message.bytes)
        var slot = -1
        for i in 0..<count where kinds[i] == kind && Int(nameLengths[i]) == name.count {
            var same = true
            for j in 0..<name.count where names[i * Self.nameBytes + j] != name[j] { same = false; break }
            if same { slot = i; break }
        }
        if slot < 0 {
            guard count < Self.capacity else { return -1 }
            slot = count
            count += 1
            kinds[slot] = kind
            nameLengths[slot] = UInt8(name.count)
            for j in 0..<name.count { names[slot * Self.nameBytes + j] = name[j] }
        }
        statuses[slot] = status
        return slot
    }

    /// The farm name: the text after the last ':' (trimmed, at most 32 bytes).
    static func farmName(in text: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        for i in 0..<text.count where text[i] == UInt8(ascii: ":") { start = i + 1 }
        while start < text.count && text[start] == UInt8(ascii: " ") { start += 1 }
        var end = text.count
        while end > start && text[end - 1] == UInt8(ascii: " ") { end -= 1 }
        end = min(end, start + nameBytes)
        return UnsafeRawBufferPointer(rebasing: text[start..<end])
    }

    /// Whether any market-data farm is broken or still connecting.
    public var marketDataImpaired: Bool {
        for i in 0..<count where kinds[i] == .marketData && (statuses[i] == .broken || statuses[i] == .connecting) { return true }
        return false
    }

    /// Farm `slot`'s name, kind and status (allocates the name; reporting only).
    public func farm(_ slot: Int) -> (name: String, kind: Kind, status: Status)? {
        guard slot >= 0 && slot < count else { return nil }
        let start = slot * Self.nameBytes
        let name = String(decoding: names[start..<(start + Int(nameLengths[slot]))], as: UTF8.self)
        return (name, kinds[slot], statuses[slot])
    }

    /// Forgets every farm (a new connection reports them afresh).
    mutating func removeAll() { count = 0 }
}
