/// The application the FIX session-level conformance suite expects behind an acceptor
/// (QuickFIX's acceptance-test application): echo NewOrderSingle (35=D), SecurityDefinition
/// (35=d) and Email (35=C) back with a new header; a NewOrderSingle with PossResend=Y whose
/// ClOrdID was already seen this logon is dropped; every other application message gets a
/// BusinessMessageReject (380=3). For tests and interop only — not venue logic.
///
/// The echo keeps the inbound header fields other than the ones the session writes
/// (8, 9, 34, 35, 43, 49, 52, 56, 122, trailer), and writes the body in ascending tag order
/// with each repeating group kept whole at its NumInGroup tag. Allocates per message.
public final class FIXConformanceApplication: FIXApplication {
    var clOrdIDsSeen: Set<[UInt8]> = []
    /// Messages echoed since start.
    public private(set) var echoed = 0

    public init() {}

    public var supportedMessageTypes: [FIXMessageType]? { [.newOrderSingle, .securityDefinition, .email] }

    public func onLogon(_ session: FIXSession) { clOrdIDsSeen.removeAll() }

    public func onLogout(_ session: FIXSession) {}

    public func onMessage(_ message: FIXMessageView, session: FIXSession) -> FIXApplicationResult {
        let type = message.messageType
        switch type {
        case .newOrderSingle:
            let clOrdID = message.valueBytes(tag: FIXTag.clOrdID).map { Array($0) } ?? []
            let possResend = message.bool(FIXTag.possResend).value ?? false
            if possResend && clOrdIDsSeen.contains(clOrdID) { return .accepted }
            clOrdIDsSeen.insert(clOrdID)
            echo(message, session: session)
        case .securityDefinition, .email:
            echo(message, session: session)
        default:
            return .unsupportedMessageType
        }
        return .accepted
    }

    func echo(_ message: FIXMessageView, session: FIXSession) {
        let dictionary = session.dictionary
        var header: [FIXHeaderField] = []
        var units: [(tag: Int, fields: [Int])] = []
        var index = 2
        let end = message.fieldCount - 1   // CheckSum last
        while index < end {
            let tag = Int(message.field(at: index).tag)
            let isHeader = dictionary?.header.contains(tag) ?? FIXSession.standardHeaderTags.contains(tag)
            let isTrailer = dictionary?.trailer.contains(tag) ?? (tag == 93 || tag == 89)
            if isHeader {
                header.append(FIXHeaderField(tag: tag, value: Array(message.value(at: index))))
                index += 1
            } else if isTrailer {
                index += 1
            } else if let dictionary, let group = dictionary.group(countTag: tag, in: message.messageType) {
                let members = Self.members(of: group, in: dictionary)
                var fields = [index]
                index += 1
                while index < end, members.contains(Int(message.field(at: index).tag)) {
                    fields.append(index)
                    index += 1
                }
                units.append((tag, fields))
            } else {
                units.append((tag, [index]))
                index += 1
            }
        }
        // Stable ascending sort by the unit's first tag.
        let order = units.indices.sorted { units[$0].tag != units[$1].tag ? units[$0].tag < units[$1].tag : $0 < $1 }
        session.send(message.messageType, extraHeader: header) { e in
            for u in order {
                for i in units[u].fields { e.append(Int(message.field(at: i).tag), bytes: message.value(at: i)) }
            }
        }
        echoed += 1
    }

    /// Every tag that may appear inside an instance of `group`, nested groups included.
    static func members(of group: FIXGroupDefinition, in dictionary: FIXDictionary) -> Set<Int> {
        var result: Set<Int> = []
        for (k, tag) in group.fields.tags.enumerated() {
            result.insert(Int(tag))
            let nested = Int(group.fields.groupIndices[k])
            if nested >= 0 && nested < dictionary.groups.count {
                result.formUnion(members(of: dictionary.groups[nested], in: dictionary))
            }
        }
        return result
    }
}
