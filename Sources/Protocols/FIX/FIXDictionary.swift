/// The members of a header, trailer, message body or one repeating-group instance, in
/// definition order, with lookup by tag.
///
/// Immutable after loading. `position(of:)` is a binary search over a sorted copy of the
/// tags: O(log n), no allocation.
public struct FIXFieldSetDefinition: Sendable {
    /// Member tags in definition order (a nested group appears as its NumInGroup tag).
    public let tags: [Int32]
    /// Whether each member is required (parallel to `tags`).
    public let required: [Bool]
    /// For each member, the index of its group in `FIXDictionary.groups`, or -1.
    public let groupIndices: [Int32]
    /// Required member tags.
    public let requiredTags: [Int32]
    @usableFromInline let sortedTags: [Int32]
    @usableFromInline let sortedPositions: [Int32]

    init(tags: [Int32], required: [Bool], groupIndices: [Int32]) {
        self.tags = tags
        self.required = required
        self.groupIndices = groupIndices
        requiredTags = zip(tags, required).filter { $0.1 }.map { $0.0 }
        let order = tags.indices.sorted { tags[$0] < tags[$1] }
        sortedTags = order.map { tags[$0] }
        sortedPositions = order.map { Int32($0) }
    }

    /// The definition-order position of `tag`, or `nil` if it is not a member.
    @inlinable
    public func position(of tag: Int) -> Int? {
        var low = 0
        var high = sortedTags.count
        let key = Int32(truncatingIfNeeded: tag)
        while low < high {
            let mid = (low + high) >> 1
            let t = sortedTags[mid]
            if t == key { return Int(sortedPositions[mid]) }
            if t < key { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    /// Whether `tag` is a member.
    @inlinable public func contains(_ tag: Int) -> Bool { position(of: tag) != nil }
}

/// A repeating group: its NumInGroup tag, its delimiter (first member) and its members.
public struct FIXGroupDefinition: Sendable {
    /// The NumInGroup tag that counts instances (e.g. NoMDEntries 268).
    public let countTag: Int
    /// The first member: every instance starts with it.
    public let delimiterTag: Int
    /// The members of one instance.
    public let fields: FIXFieldSetDefinition
}

/// One message of a dictionary.
public struct FIXMessageDefinition: Sendable {
    /// MsgType (35).
    public let type: FIXMessageType
    /// The `name` attribute, e.g. "NewOrderSingle".
    public let name: String
    /// `admin` or `app`.
    public let isAdmin: Bool
    /// The body members (header and trailer excluded).
    public let body: FIXFieldSetDefinition
}

/// A FIX data dictionary in the QuickFIX XML layout: fields (number, name, type, enums),
/// header, trailer, messages with components expanded and repeating groups.
///
/// Loaded at set-up (`load(path:)`, allocating, throwing `FIXDictionaryError` with
/// file:line); immutable afterwards and `Sendable`, so many sessions may share one. Lookups
/// and `validate` do not allocate: per-tag tables are dense arrays indexed by tag, messages
/// are found by binary search on the packed MsgType.
public struct FIXDictionary: Sendable {
    /// BeginString the dictionary describes ("FIX.4.4", "FIXT.1.1"; "FIX.5.0SP2" for an
    /// application-only dictionary).
    public let beginString: String
    /// The largest defined tag.
    public let maxTag: Int
    @usableFromInline let types: [FIXFieldType]            // by tag, 0...maxTag
    @usableFromInline let enumRanges: [Int64]              // by tag: start << 32 | count into enumBounds
    @usableFromInline let enumBounds: [Int32]              // pairs of (start, end) into enumBytes
    @usableFromInline let enumBytes: [UInt8]
    @usableFromInline let placement: [UInt8]               // by tag: 1 header, 2 trailer
    let names: [Int: String]
    let tagsByName: [String: Int]
    /// Header members (with BeginString, BodyLength, MsgType).
    public let header: FIXFieldSetDefinition
    /// Trailer members.
    public let trailer: FIXFieldSetDefinition
    /// Every repeating group; `FIXFieldSetDefinition.groupIndices` point here.
    public let groups: [FIXGroupDefinition]
    /// Messages sorted by MsgType.
    public let messages: [FIXMessageDefinition]
    @usableFromInline let messageKeys: [UInt32]
    /// Flat, index-addressed copies of every field set for validation: copying a
    /// `FIXFieldSetDefinition` retains six arrays, indexing these retains nothing. Set ids:
    /// 0 header, 1 trailer, 2 + g group g, 2 + groups.count + m message m (sorted order).
    @usableFromInline let hot: FIXValidationTables

    init(beginString: String, maxTag: Int, types: [FIXFieldType], enumRanges: [Int64], enumBounds: [Int32],
         enumBytes: [UInt8], names: [Int: String], header: FIXFieldSetDefinition, trailer: FIXFieldSetDefinition,
         groups: [FIXGroupDefinition], messages: [FIXMessageDefinition]) {
        self.beginString = beginString
        self.maxTag = maxTag
        self.types = types
        self.enumRanges = enumRanges
        self.enumBounds = enumBounds
        self.enumBytes = enumBytes
        self.names = names
        var byName: [String: Int] = [:]
        for (tag, name) in names { byName[name] = tag }
        tagsByName = byName
        self.header = header
        self.trailer = trailer
        self.groups = groups
        let sorted = messages.sorted { $0.type < $1.type }
        self.messages = sorted
        messageKeys = sorted.map { $0.type.rawValue }
        var placement = [UInt8](repeating: 0, count: maxTag + 1)
        for t in header.tags where Int(t) <= maxTag { placement[Int(t)] = 1 }
        for t in trailer.tags where Int(t) <= maxTag { placement[Int(t)] = 2 }
        // Members of header/trailer groups belong there too.
        for (set, mark) in [(header, UInt8(1)), (trailer, UInt8(2))] {
            var pending = set.groupIndices.filter { $0 >= 0 }
            while let g = pending.popLast() {
                for t in groups[Int(g)].fields.tags where Int(t) <= maxTag { placement[Int(t)] = mark }
                pending += groups[Int(g)].fields.groupIndices.filter { $0 >= 0 }
            }
        }
        self.placement = placement
        var sets = [header, trailer]
        sets += groups.map(\.fields)
        sets += sorted.map(\.body)
        hot = FIXValidationTables(sets: sets, groups: groups, messages: sorted)
    }

    /// The type of `tag` (`.undefined` if the dictionary does not define it). O(1).
    @inlinable
    public func fieldType(_ tag: Int) -> FIXFieldType {
        tag >= 0 && tag < types.count ? types[tag] : .undefined
    }

    /// Whether the dictionary defines `tag`. O(1).
    @inlinable
    public func defines(_ tag: Int) -> Bool { fieldType(tag) != .undefined }

    /// Whether `tag` belongs to the standard header (1) or trailer (2), else 0. O(1).
    @inlinable
    func placementOf(_ tag: Int) -> UInt8 { tag >= 0 && tag < placement.count ? placement[tag] : 0 }

    /// The tag of the field named `name` (set-up; hashes a String).
    public func tag(named name: String) -> Int? { tagsByName[name] }

    /// The name of `tag` (set-up, reports).
    public func name(of tag: Int) -> String? { names[tag] }

    /// The enum codes defined for `tag` (set-up, tests; allocates).
    public func enumValues(of tag: Int) -> [String] {
        guard tag >= 0 && tag < enumRanges.count else { return [] }
        let range = enumRanges[tag]
        let start = Int(range >> 32), count = Int(range & 0xFFFF_FFFF)
        return (start..<(start + count)).map {
            String(decoding: enumBytes[Int(enumBounds[2 * $0])..<Int(enumBounds[2 * $0 + 1])], as: UTF8.self)
        }
    }

    /// Whether `value` is one of `tag`'s enum codes (true when the tag has none). O(codes).
    @inlinable
    public func isAllowedEnumValue(_ value: UnsafeRawBufferPointer, for tag: Int) -> Bool {
        guard tag >= 0 && tag < enumRanges.count else { return true }
        let range = enumRanges[tag]
        let count = Int(range & 0xFFFF_FFFF)
        if count == 0 { return true }
        let start = Int(range >> 32)
        for k in start..<(start + count) {
            let lower = Int(enumBounds[2 * k]), upper = Int(enumBounds[2 * k + 1])
            guard upper - lower == value.count else { continue }
            var equal = true
            for i in 0..<value.count where enumBytes[lower + i] != value[i] { equal = false; break }
            if equal { return true }
        }
        return false
    }

    /// Whether `tag` has enum codes.
    @inlinable
    public func hasEnumValues(_ tag: Int) -> Bool {
        tag >= 0 && tag < enumRanges.count && enumRanges[tag] & 0xFFFF_FFFF != 0
    }

    /// The index in `messages` of `type`, or `nil`. O(log messages), no allocation.
    @inlinable
    public func messageIndex(_ type: FIXMessageType) -> Int? {
        var low = 0
        var high = messageKeys.count
        let key = type.rawValue
        while low < high {
            let mid = (low + high) >> 1
            let k = messageKeys[mid]
            if k == key { return mid }
            if k < key { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    /// The definition of message `type`, or `nil`.
    public func message(_ type: FIXMessageType) -> FIXMessageDefinition? {
        messageIndex(type).map { messages[$0] }
    }

    /// The group counted by `countTag` in message `type` (or in the header), searching
    /// nested groups too; `nil` if there is none. Set-up: resolve once, keep the result.
    public func group(countTag: Int, in type: FIXMessageType) -> FIXGroupDefinition? {
        var sets: [FIXFieldSetDefinition] = [header]
        if let m = message(type) { sets.insert(m.body, at: 0) }
        while let set = sets.first {
            sets.removeFirst()
            for (i, t) in set.tags.enumerated() where set.groupIndices[i] >= 0 {
                let g = groups[Int(set.groupIndices[i])]
                if Int(t) == countTag { return g }
                sets.append(g.fields)
            }
        }
        return nil
    }
}

/// Field sets flattened into plain `Int32` arrays addressed by set id (see
/// `FIXDictionary.hot`). Built once at load; read without retains on the validation path.
@usableFromInline
struct FIXValidationTables: Sendable {
    /// Per set: start and count in `sortedTags` / `sortedPositions` / `groupOfPosition`.
    @usableFromInline let memberStart: [Int32]
    @usableFromInline let memberCount: [Int32]
    @usableFromInline let sortedTags: [Int32]
    @usableFromInline let sortedPositions: [Int32]
    /// By set start + definition position: group index or -1.
    @usableFromInline let groupOfPosition: [Int32]
    /// Per set: start and count in `requiredTags`.
    @usableFromInline let requiredStart: [Int32]
    @usableFromInline let requiredCount: [Int32]
    @usableFromInline let requiredTags: [Int32]
    /// Per group: NumInGroup tag and delimiter.
    @usableFromInline let groupCountTag: [Int32]
    @usableFromInline let groupDelimiter: [Int32]
    /// Per message (sorted order): whether it is an admin message.
    @usableFromInline let messageIsAdmin: [Bool]
    @usableFromInline let groupCount: Int

    init(sets: [FIXFieldSetDefinition], groups: [FIXGroupDefinition], messages: [FIXMessageDefinition]) {
        var memberStart: [Int32] = [], memberCount: [Int32] = [], sortedTags: [Int32] = []
        var sortedPositions: [Int32] = [], groupOfPosition: [Int32] = []
        var requiredStart: [Int32] = [], requiredCount: [Int32] = [], requiredTags: [Int32] = []
        for set in sets {
            memberStart.append(Int32(sortedTags.count))
            memberCount.append(Int32(set.tags.count))
            sortedTags += set.sortedTags
            sortedPositions += set.sortedPositions
            groupOfPosition += set.groupIndices
            requiredStart.append(Int32(requiredTags.count))
            requiredCount.append(Int32(set.requiredTags.count))
            requiredTags += set.requiredTags
        }
        self.memberStart = memberStart; self.memberCount = memberCount; self.sortedTags = sortedTags
        self.sortedPositions = sortedPositions; self.groupOfPosition = groupOfPosition
        self.requiredStart = requiredStart; self.requiredCount = requiredCount; self.requiredTags = requiredTags
        groupCountTag = groups.map { Int32($0.countTag) }
        groupDelimiter = groups.map { Int32($0.delimiterTag) }
        messageIsAdmin = messages.map(\.isAdmin)
        groupCount = groups.count
    }

    /// The set id of group `g`.
    @inlinable func groupSet(_ g: Int) -> Int { 2 + g }
    /// The set id of message `m` (index in sorted messages).
    @inlinable func messageSet(_ m: Int) -> Int { 2 + groupCount + m }

    /// The definition position of `tag` in set `set`, or -1. Binary search, no retains.
    @inlinable
    func position(of tag: Int, in set: Int) -> Int {
        var low = Int(memberStart[set])
        var high = low + Int(memberCount[set])
        let key = Int32(truncatingIfNeeded: tag)
        while low < high {
            let mid = (low + high) >> 1
            let t = sortedTags[mid]
            if t == key { return Int(sortedPositions[mid]) }
            if t < key { low = mid + 1 } else { high = mid }
        }
        return -1
    }

    /// The group index of the member at `position` of `set`, or -1.
    @inlinable
    func group(at position: Int, in set: Int) -> Int {
        Int(groupOfPosition[Int(memberStart[set]) + position])
    }
}
