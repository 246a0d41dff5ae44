import PeregrineCore

/// Inbound processing: validation, sequence checks and the per-MsgType rules.
extension FIXSession {
    /// Processes one framed message (as cut by `FIXFrameScanner`), then any queued
    /// messages it made processable. Owner thread; never blocks.
    public func receive(_ frame: UnsafeRawBufferPointer, at time: Timestamp) {
        now = time
        guard state != .disconnected, !disconnectRequested else { return }
        counters.messagesReceived += 1
        switch parser.parse(frame) {
        case .complete(let length) where length == frame.count:
            lastReceivedAt = time
            handle(parser.message, frame: frame, queued: false)
        case .garbled(.badBeginString, _) where FIXFrameScanner.isWellFormed(frame):
            lastReceivedAt = time
            handleUnexpectedBeginString(frame)
        default:
            // Garbled: ignored per the FIX rules; before Logon there is no session to keep.
            counters.garbledFrames += 1
            if !receivedLogon { requestDisconnect("garbled message before logon") }
            return
        }
        processQueue()
    }

    /// Processes queued messages while the next expected one is there.
    func processQueue() {
        while !disconnectRequested, !queue.isEmpty {
            let expected = store.nextTargetSequenceNumber
            for key in queue.keys where key < expected { queue[key] = nil }
            guard let bytes = queue.removeValue(forKey: expected) else { return }
            bytes.withUnsafeBytes { raw in
                if case .complete = parser.parse(raw) {
                    let message = parser.message
                    let type = message.messageType
                    if type == .logon || type == .resendRequest {
                        store.nextTargetSequenceNumber += 1
                    } else {
                        handle(message, frame: raw, queued: true)
                    }
                }
            }
        }
    }

    func handleUnexpectedBeginString(_ frame: UnsafeRawBufferPointer) {
        guard receivedLogon else { requestDisconnect("unexpected BeginString before logon"); return }
        if FIXFrameScanner.find(frame, from: 0, soh: true, "35=5\u{1}") != nil {
            if !sentLogout { sendLogout(text: nil) }
            requestDisconnect("logout received")
            return
        }
        sendLogout(text: "Incorrect BeginString")
        store.nextTargetSequenceNumber += 1
    }

    func handle(_ message: FIXMessageView, frame: UnsafeRawBufferPointer, queued: Bool) {
        let type = message.messageType
        if message.version != configuration.version {
            handleUnexpectedBeginString(frame)
            return
        }
        if !receivedLogon && type != .logon {
            requestDisconnect("first message is not a Logon")
            return
        }
        var businessReject: (FIXBusinessRejectReason, Int)? = nil
        if let dictionary {
            var options = configuration.validation
            if options.supportedApplicationMessageTypes == nil {
                options.supportedApplicationMessageTypes = application?.supportedMessageTypes
            }
            switch dictionary.validate(message, options: options) {
            case .valid: break
            case .reject(let reason, let tag):
                guard receivedLogon, type != .logon else { requestDisconnect("invalid Logon"); return }
                var reason = reason
                var tag = tag
                // Tags the dictionary does not know are "invalid tag numbers" (QuickFIX).
                if reason == .undefinedTag { reason = .invalidTagNumber }
                if reason == .invalidTagNumber, tag == 0 { tag = Self.firstInvalidTag(message.bytes) }
                // The MsgType itself is referenced by RefMsgType, not RefTagID.
                if reason == .invalidMsgType { tag = 0 }
                sendReject(for: message, reason: reason, tag: tag)
                return
            case .businessReject(let reason, let tag):
                businessReject = (reason, tag == FIXTag.msgType ? 0 : tag)
            }
        }
        switch type {
        case .logon: handleLogon(message, frame: frame)
        case .heartbeat:
            if verify(message, frame: frame, checkTooHigh: true, checkTooLow: true) { store.nextTargetSequenceNumber += 1 }
        case .testRequest:
            guard verify(message, frame: frame, checkTooHigh: true, checkTooLow: true) else { return }
            sendHeartbeat(testRequestID: message.valueBytes(tag: FIXTag.testReqID))
            store.nextTargetSequenceNumber += 1
        case .resendRequest: handleResendRequest(message, frame: frame)
        case .reject:
            if verify(message, frame: frame, checkTooHigh: true, checkTooLow: true) { store.nextTargetSequenceNumber += 1 }
        case .sequenceReset: handleSequenceReset(message, frame: frame)
        case .logout: handleLogout(message, frame: frame)
        default:
            guard verify(message, frame: frame, checkTooHigh: true, checkTooLow: true) else { return }
            if let (reason, tag) = businessReject {
                sendBusinessReject(for: message, reason: reason, tag: tag)
            } else if let application {
                switch application.onMessage(message, session: self) {
                case .accepted: break
                case .unsupportedMessageType: sendBusinessReject(for: message, reason: .unsupportedMessageType, tag: 0)
                case .businessReject(let reason, let tag): sendBusinessReject(for: message, reason: reason, tag: tag)
                }
            }
            if message.sequenceNumber == store.nextTargetSequenceNumber { store.nextTargetSequenceNumber += 1 }
        }
    }

    // MARK: - Checks common to every message

    /// SendingTime, CompIDs and (as asked) MsgSeqNum; answers a failure itself and returns
    /// false. FIX 4.4 vol. 2 "Message recovery" and "Reject"; QuickFIX `Session::verify`.
    func verify(_ message: FIXMessageView, frame: UnsafeRawBufferPointer, checkTooHigh: Bool, checkTooLow: Bool) -> Bool {
        if let skew = configuration.maxSendingTimeSkew {
            let good: Bool
            if case .success(let sent) = message.timestamp(FIXTag.sendingTime) {
                let difference = (now - sent).count
                good = Swift.abs(difference) <= skew.count
            } else {
                good = false
            }
            if !good {
                guard receivedLogon else { requestDisconnect("SendingTime accuracy problem on Logon"); return false }
                sendReject(for: message, reason: .sendingTimeAccuracyProblem, tag: 0)
                sendLogout(text: nil)
                return false
            }
        }
        if configuration.checkCompIDs {
            let sender = message.valueBytes(tag: FIXTag.senderCompID)
            let target = message.valueBytes(tag: FIXTag.targetCompID)
            if !Self.equal(sender, targetBytes) || !Self.equal(target, senderBytes) {
                guard receivedLogon else { requestDisconnect("CompID problem on Logon"); return false }
                sendReject(for: message, reason: .compIDProblem, tag: 0)
                sendLogout(text: nil)
                return false
            }
        }
        let sequence = message.sequenceNumber ?? 0
        let expected = store.nextTargetSequenceNumber
        if checkTooHigh && sequence > expected {
            targetTooHigh(sequence, frame: frame)
            return false
        }
        if checkTooLow && sequence < expected {
            targetTooLow(message, sequence: sequence)
            return false
        }
        if (checkTooHigh || checkTooLow), let range = resendRange, sequence >= range.end {
            resendRange = nil
        }
        testRequestsOutstanding = 0
        return true
    }

    /// MsgSeqNum too high: queue the message and ask for the gap (once per gap).
    func targetTooHigh(_ sequence: Int, frame: UnsafeRawBufferPointer) {
        queue[sequence] = Array(frame)
        if let range = resendRange, sequence >= range.begin { return }
        let begin = store.nextTargetSequenceNumber
        sendResendRequest(begin: begin)
        resendRange = (begin, sequence - 1)
    }

    /// MsgSeqNum too low: Logout and disconnect, unless PossDupFlag=Y (then only the
    /// OrigSendingTime checks apply and the duplicate is ignored).
    func targetTooLow(_ message: FIXMessageView, sequence: Int) {
        let possibleDuplicate = message.bool(FIXTag.possDupFlag).value ?? false
        guard possibleDuplicate else {
            sendLogout(text: "MsgSeqNum too low, expecting \(store.nextTargetSequenceNumber) but received \(sequence)")
            requestDisconnect("MsgSeqNum too low")
            return
        }
        guard message.messageType != .sequenceReset else { return }
        guard case .success(let original) = message.timestamp(FIXTag.origSendingTime) else {
            sendReject(for: message, reason: .requiredTagMissing, tag: FIXTag.origSendingTime)
            return
        }
        if case .success(let sent) = message.timestamp(FIXTag.sendingTime), original > sent {
            sendReject(for: message, reason: .sendingTimeAccuracyProblem, tag: 0)
            sendLogout(text: nil)
        }
    }

    // MARK: - Per message type

    func handleLogon(_ message: FIXMessageView, frame: UnsafeRawBufferPointer) {
        let resetFlag = message.bool(FIXTag.resetSeqNumFlag).value ?? false
        if receivedLogon && !resetFlag { requestDisconnect("second Logon without ResetSeqNumFlag"); return }
        if configuration.role == .initiator && !sentLogon { requestDisconnect("Logon received before sending one"); return }
        guard configuration.schedule.isInSession(now) else {
            sendLogout(text: "Logon outside the session schedule")
            requestDisconnect("logon outside the session schedule")
            return
        }
        checkDailyReset()
        if resetFlag && !sentReset { store.reset(at: now) }
        if configuration.role == .acceptor && configuration.resetOnLogon && !receivedLogon { store.reset(at: now) }
        guard verify(message, frame: frame, checkTooHigh: false, checkTooLow: true) else { return }
        let wasLoggedOn = receivedLogon
        receivedLogon = true
        if configuration.role == .acceptor || (resetFlag && !sentReset) {
            if configuration.role == .acceptor, case .success(let interval) = message.int(FIXTag.heartBtInt), interval >= 0 {
                // Clamped so the timer's nanosecond arithmetic cannot overflow (found by fuzzing).
                heartbeatIntervalSeconds = Int(min(interval, Int64(Self.maxHeartbeatIntervalSeconds)))
            }
            sendLogon(resetFlag: resetFlag)
        }
        sentReset = false
        state = .loggedOn
        let sequence = message.sequenceNumber ?? 0
        if sequence > store.nextTargetSequenceNumber && !resetFlag {
            targetTooHigh(sequence, frame: frame)
        } else {
            store.nextTargetSequenceNumber += 1
        }
        if !wasLoggedOn { application?.onLogon(self) }
    }

    func handleLogout(_ message: FIXMessageView, frame: UnsafeRawBufferPointer) {
        guard verify(message, frame: frame, checkTooHigh: false, checkTooLow: false) else { return }
        if !sentLogout { sendLogout(text: nil) }
        store.nextTargetSequenceNumber += 1
        if configuration.resetOnLogout { store.reset(at: now) }
        requestDisconnect("logout")
    }

    func handleSequenceReset(_ message: FIXMessageView, frame: UnsafeRawBufferPointer) {
        let gapFill = message.bool(FIXTag.gapFillFlag).value ?? false
        guard verify(message, frame: frame, checkTooHigh: gapFill, checkTooLow: gapFill) else { return }
        guard case .success(let newSequence) = message.int(FIXTag.newSeqNo) else { return }
        // MsgSeqNum is a 32-bit int in practice (QuickFIX's field type); a larger NewSeqNo
        // would let the next increment overflow (found by fuzzing).
        guard newSequence <= Int64(Self.maxSequenceNumber) else {
            sendReject(for: message, reason: .valueIsIncorrect, tag: FIXTag.newSeqNo)
            return
        }
        let expected = store.nextTargetSequenceNumber
        if Int(newSequence) > expected {
            store.nextTargetSequenceNumber = Int(newSequence)
        } else if Int(newSequence) < expected {
            sendReject(for: message, reason: .valueIsIncorrect, tag: 0)
        }
    }

    func handleResendRequest(_ message: FIXMessageView, frame: UnsafeRawBufferPointer) {
        guard verify(message, frame: frame, checkTooHigh: false, checkTooLow: false) else { return }
        guard case .success(let begin) = message.int(FIXTag.beginSeqNo),
              case .success(let end) = message.int(FIXTag.endSeqNo) else { return }
        resend(from: Int(begin), through: Int(end))
        let sequence = message.sequenceNumber ?? 0
        let expected = store.nextTargetSequenceNumber
        if sequence == expected {
            store.nextTargetSequenceNumber += 1
        } else if sequence > expected {
            // Answered already; keep it so the gap before it is still asked for and it is
            // counted when reached.
            targetTooHigh(sequence, frame: frame)
        }
    }

    // MARK: - Helpers

    /// Largest NewSeqNo accepted (2³¹ − 1, QuickFIX's int MsgSeqNum).
    static let maxSequenceNumber = Int(Int32.max)
    /// Largest HeartBtInt taken from a counterparty's Logon (about 11.6 days).
    static let maxHeartbeatIntervalSeconds = 1_000_000

    static func equal(_ bytes: UnsafeRawBufferPointer?, _ expected: [UInt8]) -> Bool {
        guard let bytes, bytes.count == expected.count else { return false }
        for i in 0..<bytes.count where bytes[i] != expected[i] { return false }
        return true
    }

    /// The first tag in `bytes` that is not a valid tag number, as FIX engines report it
    /// in RefTagID: a negative number keeps its sign ("-1=…" → -1), anything else is 0.
    static func firstInvalidTag(_ bytes: UnsafeRawBufferPointer) -> Int {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x3D && bytes[end] != 0x01 { end += 1 }
            let length = end - start
            var valid = length > 0 && bytes[start] != 0x30
            var value = 0
            var negative = false
            for k in start..<end {
                let b = bytes[k]
                if k == start && b == 0x2D { negative = true; valid = false; continue }
                if b < 0x30 || b > 0x39 { valid = false; value = 0; negative = false; break }
                value = value * 10 + Int(b - 0x30)
            }
            if !valid { return negative ? -value : (length == 1 && bytes[start] == 0x30 ? 0 : value * 0) }
            var next = end
            while next < bytes.count && bytes[next] != 0x01 { next += 1 }
            start = next + 1
        }
        return 0
    }
}
