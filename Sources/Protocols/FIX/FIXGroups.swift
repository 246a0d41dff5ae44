// Repeating groups read through the dictionary's group definitions.
//
// A group instance starts at the group's delimiter (its first member) and runs while the
// fields are members of the group; members that are NumInGroup tags of nested groups carry
// their own instances, which are skipped as a block. All in place: no copies, no allocation.

/// One instance of a repeating group: a range of the message's fields.
///
/// Valid as long as the `FIXMessageView` it came from. Lookups scan the instance (a few
/// fields): O(instance length).
public struct FIXGroupInstance: FIXFieldReader {
    /// The message the instance belongs to.
    public let message: FIXMessageView
    /// Field indices of the instance in the message.
    public let fieldRange: Range<Int>
    @usableFromInline let definition: FIXGroupDefinition

    /// The value of the first field with `tag` in this instance (nested groups included).
    @inlinable
    public func valueBytes(tag: Int) -> UnsafeRawBufferPointer? {
        for i in fieldRange where Int(message.field(at: i).tag) == tag { return message.value(at: i) }
        return nil
    }

    /// The nested group counted by `countTag` in this instance, or `nil` if absent or not a
    /// nested group of this group.
    public func group(_ countTag: Int, dictionary: FIXDictionary) -> FIXGroupCursor? {
        guard let position = definition.fields.position(of: countTag),
              definition.fields.groupIndices[position] >= 0 else { return nil }
        for i in fieldRange where Int(message.field(at: i).tag) == countTag {
            return FIXGroupCursor(message: message, definition: dictionary.groups[Int(definition.fields.groupIndices[position])],
                                  dictionary: dictionary, countIndex: i)
        }
        return nil
    }
}

/// Why walking a group stopped early.
@frozen
public enum FIXGroupProblem: Equatable, Sendable {
    /// NumInGroup is not a non-negative integer (reason 6).
    case badCount
    /// The instances found differ from NumInGroup (reason 16).
    case countMismatch(declared: Int, found: Int)
    /// A member came before the delimiter (reason 15).
    case outOfOrder(tag: Int)

    /// The SessionRejectReason for the problem.
    public var sessionRejectReason: FIXSessionRejectReason {
        switch self {
        case .badCount: return .incorrectDataFormat
        case .countMismatch: return .incorrectNumInGroupCount
        case .outOfOrder: return .repeatingGroupFieldsOutOfOrder
        }
    }
}

/// Iterates the instances of one repeating group.
///
/// `next()` returns instances in order; after it returns `nil`, `problem` says whether the
/// group was well formed (count and delimiter). Thread: the message's owner. No allocation.
public struct FIXGroupCursor {
    /// The message.
    public let message: FIXMessageView
    /// The group read.
    public let definition: FIXGroupDefinition
    @usableFromInline let groups: [FIXGroupDefinition]
    /// The declared NumInGroup (-1 if malformed).
    public let declaredCount: Int
    @usableFromInline var position: Int
    @usableFromInline var found = 0
    @usableFromInline var finished = false
    /// The first problem met, if any (final once `next()` has returned `nil`).
    public private(set) var problem: FIXGroupProblem? = nil

    init(message: FIXMessageView, definition: FIXGroupDefinition, dictionary: FIXDictionary, countIndex: Int) {
        self.message = message
        self.definition = definition
        self.groups = dictionary.groups
        position = countIndex + 1
        if case .success(let n) = FIXValue.int(message.value(at: countIndex)), n >= 0, n <= Int64(message.fieldCount) {
            declaredCount = Int(n)
        } else {
            declaredCount = -1
            problem = .badCount
        }
    }

    /// The next instance, or `nil` at the end of the group. O(instance length).
    public mutating func next() -> FIXGroupInstance? {
        guard !finished else { return nil }
        let end = message.fieldCount
        guard position < end, Int(message.field(at: position).tag) == definition.delimiterTag else {
            finished = true
            if position < end, definition.fields.contains(Int(message.field(at: position).tag)), problem == nil {
                problem = .outOfOrder(tag: Int(message.field(at: position).tag))
            } else if problem == nil && found != declaredCount {
                problem = .countMismatch(declared: declaredCount, found: found)
            }
            return nil
        }
        let start = position
        position = Self.skipInstance(message, definition, groups, from: position)
        found += 1
        return FIXGroupInstance(message: message, fieldRange: start..<position, definition: definition)
    }

    /// The index after the instance starting at `start` (its delimiter).
    static func skipInstance(_ message: FIXMessageView, _ group: FIXGroupDefinition, _ groups: [FIXGroupDefinition],
                             from start: Int) -> Int {
        var i = start + 1
        let end = message.fieldCount
        while i < end {
            let tag = Int(message.field(at: i).tag)
            guard tag != group.delimiterTag, let p = group.fields.position(of: tag) else { break }
            let nested = group.fields.groupIndices[p]
            i += 1
            if nested >= 0 {
                let inner = groups[Int(nested)]
                while i < end && Int(message.field(at: i).tag) == inner.delimiterTag {
                    i = skipInstance(message, inner, groups, from: i)
                }
            }
        }
        return i
    }
}

extension FIXMessageView {
    /// The instances of the group counted by `countTag` (e.g. NoMDEntries 268) at the top
    /// level of this message, using `dictionary`'s definition; `nil` if the message lacks
    /// the tag or the dictionary has no such group for this MsgType.
    ///
    /// Resolving the definition searches the dictionary (set-up cost, allocates a little);
    /// on the hot path resolve once with `FIXDictionary.group(countTag:in:)` and call
    /// `group(_:definition:dictionary:)`.
    public func group(_ countTag: Int, dictionary: FIXDictionary) -> FIXGroupCursor? {
        guard let definition = dictionary.group(countTag: countTag, in: messageType) else { return nil }
        return group(definition, dictionary: dictionary)
    }

    /// The instances of the group `definition` at its first NumInGroup field. No allocation.
    public func group(_ definition: FIXGroupDefinition, dictionary: FIXDictionary) -> FIXGroupCursor? {
        guard let index = index(of: definition.countTag) else { return nil }
        return FIXGroupCursor(message: self, definition: definition, dictionary: dictionary, countIndex: index)
    }
}
