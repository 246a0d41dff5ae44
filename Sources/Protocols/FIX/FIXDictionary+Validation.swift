import PeregrineCore

/// Validation of a parsed message against the dictionary (FIX 4.4 vol. 2, "Session-level
/// Reject"; QuickFIX's validation order).
extension FIXDictionary {
    /// Checks `message` against the dictionary and returns `.valid` or the reject due.
    ///
    /// Order: field syntax found by the parser, MsgType, then each field in wire order
    /// (placement, definition, duplicates, value format, enum codes, groups), then required
    /// fields. Thread: any (the dictionary is immutable). No allocation. Cost O(fields ×
    /// log(members)), plus O(k²) within each group instance.
    public func validate(_ message: FIXMessageView, options: FIXValidationOptions = FIXValidationOptions()) -> FIXValidationResult {
        if let problem = message.syntaxProblem {
            switch problem.reason {
            case .tagSpecifiedWithoutValue:
                if options.checkFieldsHaveValues { return .reject(reason: problem.reason, tag: problem.tag) }
            default:
                return .reject(reason: problem.reason, tag: problem.tag)
            }
        }
        guard let messageIndex = messageIndex(message.messageType) else {
            return .reject(reason: .invalidMsgType, tag: FIXTag.msgType)
        }
        let hot = self.hot
        if let supported = options.supportedApplicationMessageTypes, !hot.messageIsAdmin[messageIndex],
           !supported.contains(message.messageType) {
            return .businessReject(reason: .unsupportedMessageType, tag: FIXTag.msgType)
        }
        let bodySet = hot.messageSet(messageIndex)
        var phase: UInt8 = 0      // 0 header, 1 body, 2 trailer
        var i = 2
        let end = message.fieldCount
        while i < end {
            let tag = Int(message.field(at: i).tag)
            let place = placementOf(tag)
            let set: Int
            if place == 1 {
                if phase != 0 && options.checkFieldOrder { return .reject(reason: .tagSpecifiedOutOfRequiredOrder, tag: tag) }
                set = 0
            } else if place == 2 {
                phase = 2
                set = 1
            } else {
                if phase == 2 && options.checkFieldOrder { return .reject(reason: .tagSpecifiedOutOfRequiredOrder, tag: tag) }
                phase = 1
                set = bodySet
            }
            let position = hot.position(of: tag, in: set)
            if position < 0 {
                if let r = undefinedFieldResult(tag, options: options) { return r }
            }
            if !options.allowRepeatedTags && isRepeatedAtTopLevel(message, tag: tag, at: i) {
                return .reject(reason: .tagAppearsMoreThanOnce, tag: tag)
            }
            let r = checkValue(message.value(at: i), tag: tag, options: options)
            if r != .valid { return r }
            let group = position >= 0 ? hot.group(at: position, in: set) : -1
            if group >= 0 {
                let (next, result) = walkGroup(message, group, countIndex: i, options: options)
                if result != .valid { return result }
                i = next
            } else {
                i += 1
            }
        }
        if options.checkRequiredFields {
            // Header, body, trailer: three ids, no array (that would allocate).
            var pass = 0
            while pass < 3 {
                let set = pass == 0 ? 0 : pass == 1 ? bodySet : 1
                let start = Int(hot.requiredStart[set])
                for k in start..<(start + Int(hot.requiredCount[set])) {
                    let tag = Int(hot.requiredTags[k])
                    if !message.contains(tag) { return .reject(reason: .requiredTagMissing, tag: tag) }
                }
                pass += 1
            }
        }
        return .valid
    }

    /// The reject due for a tag that is not a member of the current scope, or `nil` to let
    /// it pass.
    @inlinable
    func undefinedFieldResult(_ tag: Int, options: FIXValidationOptions) -> FIXValidationResult? {
        if tag >= 5000 && !options.checkUserDefinedFields { return nil }
        if !defines(tag) {
            return options.checkUnknownFields ? .reject(reason: .undefinedTag, tag: tag) : nil
        }
        return options.checkFieldsDefinedForMessage ? .reject(reason: .tagNotDefinedForMessageType, tag: tag) : nil
    }

    /// Whether `tag` at field `index` already appeared earlier outside repeating groups.
    /// O(1) for tags < 1024 (the parser's first-occurrence index); a backward scan above.
    @inlinable
    func isRepeatedAtTopLevel(_ message: FIXMessageView, tag: Int, at index: Int) -> Bool {
        if tag < FIXParser.directIndexSize { return message.index(of: tag) != index }
        var j = index - 1
        while j >= 2 {
            if Int(message.field(at: j).tag) == tag { return true }
            j -= 1
        }
        return false
    }

    /// Checks one value's presence, format and enum code.
    @inlinable
    func checkValue(_ value: UnsafeRawBufferPointer, tag: Int, options: FIXValidationOptions) -> FIXValidationResult {
        if value.isEmpty {
            return options.checkFieldsHaveValues ? .reject(reason: .tagSpecifiedWithoutValue, tag: tag) : .valid
        }
        let type = fieldType(tag)
        if type == .undefined || (tag >= 5000 && !options.checkUserDefinedFields) { return .valid }
        if options.checkDataFormat {
            let ok: Bool
            switch type.format {
            // FIX int and float allow a leading '-' only; '+' is a format error (reason 6).
            case .integer: ok = value[0] != 0x2B && FIXBytes.parseInt64(value) != nil
            case .decimal: ok = value[0] != 0x2B && FIXValue.isDecimalText(value)
            case .character: ok = value.count == 1
            case .boolean: ok = value.count == 1 && (value[0] == 0x59 || value[0] == 0x4E)
            case .timestamp: ok = FIXBytes.parseTimestamp(value) != nil
            case .date: ok = FIXBytes.parseTimestamp(value, dateOnly: true) != nil
            case .text, .multipleValues: ok = true
            }
            if !ok { return .reject(reason: .incorrectDataFormat, tag: tag) }
        }
        if options.checkEnumValues && hasEnumValues(tag) {
            if type.format == .multipleValues {
                // Space-separated codes, each must be allowed.
                var start = 0
                while start <= value.count {
                    var stop = start
                    while stop < value.count && value[stop] != 0x20 { stop += 1 }
                    if !isAllowedEnumValue(UnsafeRawBufferPointer(rebasing: value[start..<stop]), for: tag) {
                        return .reject(reason: .valueIsIncorrect, tag: tag)
                    }
                    start = stop + 1
                }
            } else if !isAllowedEnumValue(value, for: tag) {
                return .reject(reason: .valueIsIncorrect, tag: tag)
            }
        }
        return .valid
    }

    /// Walks the instances of group `group` whose NumInGroup field is at `countIndex`;
    /// returns the index after the group and the first problem found.
    func walkGroup(_ message: FIXMessageView, _ group: Int, countIndex: Int,
                   options: FIXValidationOptions) -> (next: Int, result: FIXValidationResult) {
        let hot = self.hot
        let countTag = Int(hot.groupCountTag[group])
        let delimiter = Int(hot.groupDelimiter[group])
        let set = hot.groupSet(group)
        let count: Int64
        switch FIXValue.int(message.value(at: countIndex)) {
        case .success(let v): count = v
        case .failure: return (countIndex + 1, .reject(reason: .incorrectDataFormat, tag: countTag))
        }
        var i = countIndex + 1
        var instances: Int64 = 0
        var instanceStart = i
        var lastPosition = -1
        let end = message.fieldCount
        while i < end {
            let tag = Int(message.field(at: i).tag)
            let position = hot.position(of: tag, in: set)
            if position < 0 { break }
            if tag == delimiter {
                if instances > 0, let r = checkInstanceRequired(message, set, from: instanceStart, to: i, options: options) {
                    return (i, r)
                }
                instances += 1
                instanceStart = i
                lastPosition = 0
            } else {
                if instances == 0 { return (i, .reject(reason: .repeatingGroupFieldsOutOfOrder, tag: tag)) }
                if !options.allowRepeatedTags {
                    var j = instanceStart
                    while j < i {
                        if Int(message.field(at: j).tag) == tag { return (i, .reject(reason: .tagAppearsMoreThanOnce, tag: tag)) }
                        j += 1
                    }
                }
                if options.checkFieldOrder && position < lastPosition {
                    return (i, .reject(reason: .repeatingGroupFieldsOutOfOrder, tag: tag))
                }
                lastPosition = position
            }
            let r = checkValue(message.value(at: i), tag: tag, options: options)
            if r != .valid { return (i, r) }
            let nestedGroup = hot.group(at: position, in: set)
            if nestedGroup >= 0 {
                let (next, nested) = walkGroup(message, nestedGroup, countIndex: i, options: options)
                if nested != .valid { return (next, nested) }
                i = next
            } else {
                i += 1
            }
        }
        if instances > 0, let r = checkInstanceRequired(message, set, from: instanceStart, to: i, options: options) {
            return (i, r)
        }
        if options.checkRepeatingGroupCounts && instances != count {
            return (i, .reject(reason: .incorrectNumInGroupCount, tag: countTag))
        }
        return (i, .valid)
    }

    /// The reject for a required member of `set` missing from the instance in
    /// `start..<end`, or nil.
    func checkInstanceRequired(_ message: FIXMessageView, _ set: Int, from start: Int, to end: Int,
                               options: FIXValidationOptions) -> FIXValidationResult? {
        guard options.checkRequiredFields else { return nil }
        let first = Int(hot.requiredStart[set])
        for k in first..<(first + Int(hot.requiredCount[set])) {
            let tag = hot.requiredTags[k]
            var found = false
            var j = start
            while j < end {
                if message.field(at: j).tag == tag { found = true; break }
                j += 1
            }
            if !found { return .reject(reason: .requiredTagMissing, tag: Int(tag)) }
        }
        return nil
    }
}
