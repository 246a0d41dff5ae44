import PeregrineCore

/// An extra header field of an outbound message (routing, PossResend, …).
public struct FIXHeaderField: Sendable, Equatable {
    public var tag: Int
    public var value: [UInt8]
    public init(tag: Int, value: [UInt8]) { self.tag = tag; self.value = value }
}

/// Outbound messages: header in the canonical order, admin messages, resend.
extension FIXSession {
    /// Sends an application message: the session writes the header (8, 9, 35, the
    /// standard and `extraHeader` tags ascending), `body` appends the body fields (in
    /// ascending tag order, to keep the canonical layout), the session writes the trailer,
    /// stores the message (unless store-less) and queues it in `outbound`.
    ///
    /// Owner thread. Returns the MsgSeqNum used, or `nil` when not logged on.
    @discardableResult
    public func send(_ type: FIXMessageType, extraHeader: [FIXHeaderField] = [],
                     body: (inout FIXEncoder) -> Void) -> Int? {
        guard state == .loggedOn || state == .loggingOut else { return nil }
        return sendMessage(type, sequence: nil, extraHeader: extraHeader, body: body)
    }

    @discardableResult
    func sendMessage(_ type: FIXMessageType, sequence fixedSequence: Int?, possibleDuplicate: Bool = false,
                     originalSendingTime: UnsafeRawBufferPointer? = nil, extraHeader: [FIXHeaderField] = [],
                     body: (inout FIXEncoder) -> Void) -> Int {
        let sequence = fixedSequence ?? store.nextSenderSequenceNumber
        encoder.beginRaw()
        encoder.append(messageType: type)
        writeHeader(sequence: sequence, possibleDuplicate: possibleDuplicate,
                    originalSendingTime: originalSendingTime, extraHeader: extraHeader)
        body(&encoder)
        let bytes = encoder.finish()
        outbound.append(contentsOf: bytes)
        if fixedSequence == nil {
            if configuration.persistMessages && !type.isAdmin { store.save(sequenceNumber: sequence, message: bytes) }
            store.nextSenderSequenceNumber = sequence + 1
        }
        counters.messagesSent += 1
        lastSentAt = now
        return sequence
    }

    /// 34, 43, 49, 52, 56, 122 merged in ascending order with `extraHeader`.
    func writeHeader(sequence: Int, possibleDuplicate: Bool, originalSendingTime: UnsafeRawBufferPointer?,
                     extraHeader: [FIXHeaderField]) {
        var extras = extraHeader
        if extras.count > 1 { extras.sort { $0.tag < $1.tag } }
        var next = 0
        func flushExtras(below tag: Int) {
            while next < extras.count && extras[next].tag < tag {
                let field = extras[next]
                switch field.tag {
                case 8, 9, 35, 34, 43, 49, 52, 56, 122, 10: break
                default: field.value.withUnsafeBytes { encoder.append(field.tag, bytes: $0) }
                }
                next += 1
            }
        }
        flushExtras(below: FIXTag.msgSeqNum)
        encoder.append(FIXTag.msgSeqNum, int: sequence)
        if possibleDuplicate {
            flushExtras(below: FIXTag.possDupFlag)
            encoder.append(FIXTag.possDupFlag, bool: true)
        }
        flushExtras(below: FIXTag.senderCompID)
        senderBytes.withUnsafeBytes { encoder.append(FIXTag.senderCompID, bytes: $0) }
        flushExtras(below: FIXTag.sendingTime)
        encoder.append(FIXTag.sendingTime, timestamp: now, precision: .milliseconds)
        flushExtras(below: FIXTag.targetCompID)
        targetBytes.withUnsafeBytes { encoder.append(FIXTag.targetCompID, bytes: $0) }
        if let originalSendingTime {
            flushExtras(below: FIXTag.origSendingTime)
            encoder.append(FIXTag.origSendingTime, bytes: originalSendingTime)
        }
        flushExtras(below: Int.max)
    }

    // MARK: - Administrative messages

    func sendLogon(resetFlag: Bool) {
        sendMessage(.logon, sequence: nil) { e in
            e.append(FIXTag.encryptMethod, int: 0)
            e.append(FIXTag.heartBtInt, int: heartbeatIntervalSeconds)
            if resetFlag { e.append(FIXTag.resetSeqNumFlag, bool: true) }
            if configuration.version == .fixt11 { e.append(FIXTag.defaultApplVerID, ascii: "9") }
        }
        sentLogon = true
    }

    func sendHeartbeat(testRequestID: UnsafeRawBufferPointer?) {
        sendMessage(.heartbeat, sequence: nil) { e in
            if let testRequestID { e.append(FIXTag.testReqID, bytes: testRequestID) }
        }
    }

    func sendTestRequest() {
        sendMessage(.testRequest, sequence: nil) { e in e.append(FIXTag.testReqID, ascii: "TEST") }
    }

    func sendResendRequest(begin: Int) {
        counters.resendRequestsSent += 1
        sendMessage(.resendRequest, sequence: nil) { e in
            e.append(FIXTag.beginSeqNo, int: begin)
            e.append(FIXTag.endSeqNo, int: 0)   // 0 = infinity (FIX 4.2 and later)
        }
    }

    func sendLogout(text: String?) {
        sendMessage(.logout, sequence: nil) { e in
            if var text { text.withUTF8 { e.append(FIXTag.text, bytes: UnsafeRawBufferPointer($0)) } }
        }
        sentLogout = true
        logoutSentAt = now
        if state != .disconnected { state = .loggingOut }
    }

    /// Routing fields of `message` reversed for an answer (OnBehalfOf ↔ DeliverTo, empty
    /// values skipped), as QuickFIX's `Message::reverseRoute`.
    func reverseRoute(_ message: FIXMessageView) -> [FIXHeaderField] {
        let pairs: [(Int, Int)] = [(115, 128), (116, 129), (144, 145), (128, 115), (129, 116), (145, 144)]
        var fields: [FIXHeaderField] = []
        for (from, to) in pairs {
            if let value = message.valueBytes(tag: from), !value.isEmpty {
                fields.append(FIXHeaderField(tag: to, value: Array(value)))
            }
        }
        return fields
    }

    /// Session-level Reject (35=3) of `message`: RefSeqNum, Text (the standard text),
    /// RefTagID (when a tag applies, or for an invalid tag number), RefMsgType,
    /// SessionRejectReason (FIX 4.2: only reasons 0–11). Counts the rejected message
    /// when it was the expected one (not for Logon or SequenceReset).
    func sendReject(for message: FIXMessageView, reason: FIXSessionRejectReason, tag: Int) {
        guard receivedLogon else { requestDisconnect("reject before logon"); return }
        counters.rejectsSent += 1
        let referenceSequence = message.int(FIXTag.msgSeqNum).value
        let referenceType = message.valueBytes(tag: FIXTag.msgType)
        let version = configuration.version
        sendMessage(.reject, sequence: nil, extraHeader: reverseRoute(message)) { e in
            if let referenceSequence { e.append(FIXTag.refSeqNum, int: referenceSequence) }
            let text = reason.standardText
            e.append(FIXTag.text, bytes: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            if tag != 0 || reason == .invalidTagNumber { e.append(FIXTag.refTagID, int: tag) }
            if let referenceType, !referenceType.isEmpty { e.append(FIXTag.refMsgType, bytes: referenceType) }
            if version != .fix42 || reason.rawValue <= 11 { e.append(FIXTag.sessionRejectReason, int: reason.rawValue) }
        }
        let type = message.messageType
        if type != .logon && type != .sequenceReset,
           let referenceSequence, Int(referenceSequence) == store.nextTargetSequenceNumber {
            store.nextTargetSequenceNumber += 1
        }
    }

    /// BusinessMessageReject (35=j): RefSeqNum, Text, RefMsgType, BusinessRejectReason.
    func sendBusinessReject(for message: FIXMessageView, reason: FIXBusinessRejectReason, tag: Int) {
        counters.rejectsSent += 1
        let referenceSequence = message.int(FIXTag.msgSeqNum).value
        let referenceType = message.valueBytes(tag: FIXTag.msgType)
        sendMessage(.businessMessageReject, sequence: nil, extraHeader: reverseRoute(message)) { e in
            if let referenceSequence { e.append(FIXTag.refSeqNum, int: referenceSequence) }
            let text: StaticString
            switch reason {
            case .unsupportedMessageType: text = "Unsupported Message Type"
            case .conditionallyRequiredFieldMissing: text = "Conditionally Required Field Missing"
            case .unknownID: text = "Unknown ID"
            case .unknownSecurity: text = "Unknown Security"
            case .applicationNotAvailable: text = "Application not available"
            case .notAuthorized: text = "Not authorized"
            case .deliverToFirmNotAvailable: text = "DeliverTo firm not available at this time"
            case .invalidPriceIncrement: text = "Invalid price increment"
            case .other: text = "Other"
            }
            e.append(FIXTag.text, bytes: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            if tag != 0 { e.append(FIXTag.refTagID, int: tag) }
            if let referenceType, !referenceType.isEmpty { e.append(FIXTag.refMsgType, bytes: referenceType) }
            e.append(FIXTag.businessRejectReason, int: reason.rawValue)
        }
    }

    // MARK: - Resend

    /// Answers a ResendRequest for `begin...end` (0, or 999999 on FIX 4.2, = everything
    /// sent): stored application messages go out again with PossDupFlag=Y and
    /// OrigSendingTime, every run of others becomes one SequenceReset-GapFill.
    func resend(from begin: Int, through requestedEnd: Int) {
        let lastSent = store.nextSenderSequenceNumber - 1
        var end = requestedEnd
        if end == 0 || end == 999_999 || end > lastSent { end = lastSent }
        guard begin >= 1, begin <= end else { return }
        var gapStart: Int? = nil
        var sequence = begin
        while sequence <= end {
            var resent = false
            if configuration.persistMessages {
                resent = store.withMessage(sequenceNumber: sequence) { stored in
                    if let start = gapStart { sendGapFill(sequence: start, newSequence: sequence) }
                    resendStored(stored, sequence: sequence)
                }
            }
            if resent { gapStart = nil } else if gapStart == nil { gapStart = sequence }
            sequence += 1
        }
        if let start = gapStart { sendGapFill(sequence: start, newSequence: end + 1) }
    }

    func sendGapFill(sequence: Int, newSequence: Int) {
        let stamp = encodedNow()
        stamp.withUnsafeBytes { original in
            sendMessage(.sequenceReset, sequence: sequence, possibleDuplicate: true, originalSendingTime: original) { e in
                e.append(FIXTag.newSeqNo, int: newSequence)
                e.append(FIXTag.gapFillFlag, bool: true)
            }
        }
    }

    /// Re-sends a stored message under its own MsgSeqNum with PossDupFlag=Y, OrigSendingTime
    /// = its SendingTime, a new SendingTime, other header fields and the body unchanged.
    func resendStored(_ stored: UnsafeRawBufferPointer, sequence: Int) {
        var storedParser = FIXParser(maxFields: 1024)
        guard case .complete = storedParser.parse(stored) else { return }
        let message = storedParser.message
        let header = dictionary?.header
        var extras: [FIXHeaderField] = []
        var bodyStart = message.fieldCount - 1
        var index = 2
        while index < message.fieldCount - 1 {
            let tag = Int(message.field(at: index).tag)
            let isHeader = header?.contains(tag) ?? Self.standardHeaderTags.contains(tag)
            if !isHeader { bodyStart = index; break }
            switch tag {
            case 34, 43, 49, 52, 56, 122: break
            default: extras.append(FIXHeaderField(tag: tag, value: Array(message.value(at: index))))
            }
            index += 1
        }
        let original = message.valueBytes(tag: FIXTag.sendingTime) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        counters.messagesResent += 1
        sendMessage(message.messageType, sequence: sequence, possibleDuplicate: true, originalSendingTime: original,
                    extraHeader: extras) { e in
            var i = bodyStart
            while i < message.fieldCount - 1 {
                e.append(Int(message.field(at: i).tag), bytes: message.value(at: i))
                i += 1
            }
        }
    }

    static let standardHeaderTags: Set<Int> = [8, 9, 35, 34, 43, 49, 50, 52, 56, 57, 97, 115, 116, 122, 128, 129, 142, 143, 144, 145, 369, 627, 628, 629, 630, 1128, 1129]

    /// The current time as UTCTimestamp text with milliseconds.
    func encodedNow() -> [UInt8] {
        let c = now.civil
        var text: [UInt8] = []
        text.reserveCapacity(21)
        func put(_ value: Int, _ width: Int) {
            var digits = [UInt8](repeating: 0x30, count: width)
            var v = value
            for k in stride(from: width - 1, through: 0, by: -1) { digits[k] = UInt8(0x30 + v % 10); v /= 10 }
            text.append(contentsOf: digits)
        }
        put(c.year, 4); put(c.month, 2); put(c.day, 2); text.append(0x2D)
        put(c.hour, 2); text.append(0x3A); put(c.minute, 2); text.append(0x3A); put(c.second, 2)
        text.append(0x2E); put(c.nanosecond / 1_000_000, 3)
        return text
    }
}
