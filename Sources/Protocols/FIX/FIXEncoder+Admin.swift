import PeregrineCore

/// Session (admin) messages, FIX 4.4 vol. 2 / FIXT 1.1. Each writes a complete message and
/// returns its bytes (valid until the next `begin`). Thread: the owner; no allocation.
extension FIXEncoder {
    /// Logon (35=A): EncryptMethod (98)=0, HeartBtInt (108), ResetSeqNumFlag (141)=Y when
    /// asked, and on FIXT.1.1 DefaultApplVerID (1137) = `defaultApplVerID` (9 = FIX 5.0 SP2).
    @inlinable
    public mutating func encodeLogon(heartbeatIntervalSeconds: Int, resetSequenceNumbers: Bool = false,
                                     defaultApplVerID: StaticString = "9",
                                     sequenceNumber: Int, sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.logon, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        append(FIXTag.encryptMethod, int: 0)
        append(FIXTag.heartBtInt, int: heartbeatIntervalSeconds)
        if resetSequenceNumbers { append(FIXTag.resetSeqNumFlag, bool: true) }
        if version == .fixt11 { append(FIXTag.defaultApplVerID, ascii: defaultApplVerID) }
        return finish()
    }

    /// Heartbeat (35=0), echoing TestReqID (112) when answering a TestRequest.
    @inlinable
    public mutating func encodeHeartbeat(testRequestID: UnsafeRawBufferPointer? = nil, sequenceNumber: Int,
                                         sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.heartbeat, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        if let testRequestID { append(FIXTag.testReqID, bytes: testRequestID) }
        return finish()
    }

    /// TestRequest (35=1) with TestReqID (112).
    @inlinable
    public mutating func encodeTestRequest(testRequestID: UnsafeRawBufferPointer, sequenceNumber: Int,
                                           sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.testRequest, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        append(FIXTag.testReqID, bytes: testRequestID)
        return finish()
    }

    /// ResendRequest (35=2): BeginSeqNo (7), EndSeqNo (16; 0 = infinity on FIX 4.2+).
    @inlinable
    public mutating func encodeResendRequest(beginSequenceNumber: Int, endSequenceNumber: Int, sequenceNumber: Int,
                                             sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.resendRequest, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        append(FIXTag.beginSeqNo, int: beginSequenceNumber)
        append(FIXTag.endSeqNo, int: endSequenceNumber)
        return finish()
    }

    /// Reject (35=3): RefSeqNum (45), RefTagID (371) if non-zero, RefMsgType (372) if given,
    /// SessionRejectReason (373), Text (58) if given.
    @inlinable
    public mutating func encodeReject(referenceSequenceNumber: Int, referenceTag: Int = 0,
                                      referenceMessageType: FIXMessageType? = nil, reason: FIXSessionRejectReason,
                                      text: UnsafeRawBufferPointer? = nil, sequenceNumber: Int,
                                      sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.reject, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        append(FIXTag.refSeqNum, int: referenceSequenceNumber)
        if referenceTag != 0 { append(FIXTag.refTagID, int: referenceTag) }
        if let referenceMessageType {
            ensure(16)
            writeTag(FIXTag.refMsgType)
            for i in 0..<referenceMessageType.count { storage[position] = referenceMessageType.byte(i); position += 1 }
            endField()
        }
        append(FIXTag.sessionRejectReason, int: reason.rawValue)
        if let text { append(FIXTag.text, bytes: text) }
        return finish()
    }

    /// SequenceReset (35=4): GapFillFlag (123) when `gapFill`, NewSeqNo (36). A gap fill is
    /// sent with PossDupFlag=Y and the sequence number it replaces, per the resend rules.
    @inlinable
    public mutating func encodeSequenceReset(newSequenceNumber: Int, gapFill: Bool, sequenceNumber: Int,
                                             sendingTime: Timestamp,
                                             originalSendingTime: Timestamp? = nil) -> UnsafeRawBufferPointer {
        begin(.sequenceReset, sequenceNumber: sequenceNumber, sendingTime: sendingTime,
              possibleDuplicate: gapFill, originalSendingTime: gapFill ? (originalSendingTime ?? sendingTime) : nil)
        if gapFill { append(FIXTag.gapFillFlag, bool: true) }
        append(FIXTag.newSeqNo, int: newSequenceNumber)
        return finish()
    }

    /// Logout (35=5) with optional Text (58).
    @inlinable
    public mutating func encodeLogout(text: UnsafeRawBufferPointer? = nil, sequenceNumber: Int,
                                      sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.logout, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        if let text { append(FIXTag.text, bytes: text) }
        return finish()
    }
}
