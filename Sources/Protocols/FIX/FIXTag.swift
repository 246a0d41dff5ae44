/// FIX tag numbers used by Peregrine's codec and session, by their FIX field names.
///
/// Plain `Int` constants (no wrapper type) so they cost nothing in switches and lookups.
public enum FIXTag {
    // MARK: Standard header and trailer
    public static let beginString = 8
    public static let bodyLength = 9
    public static let msgType = 35
    public static let senderCompID = 49
    public static let targetCompID = 56
    public static let msgSeqNum = 34
    public static let senderSubID = 50
    public static let targetSubID = 57
    public static let possDupFlag = 43
    public static let possResend = 97
    public static let sendingTime = 52
    public static let origSendingTime = 122
    public static let applVerID = 1128
    public static let checkSum = 10
    public static let signatureLength = 93
    public static let signature = 89

    // MARK: Session (admin) messages
    public static let encryptMethod = 98
    public static let heartBtInt = 108
    public static let resetSeqNumFlag = 141
    public static let defaultApplVerID = 1137
    public static let testReqID = 112
    public static let beginSeqNo = 7
    public static let endSeqNo = 16
    public static let refSeqNum = 45
    public static let refTagID = 371
    public static let refMsgType = 372
    public static let sessionRejectReason = 373
    public static let businessRejectRefID = 379
    public static let businessRejectReason = 380
    public static let text = 58
    public static let gapFillFlag = 123
    public static let newSeqNo = 36
    public static let username = 553
    public static let password = 554

    // MARK: Orders and executions
    public static let account = 1
    public static let avgPx = 6
    public static let clOrdID = 11
    public static let cumQty = 14
    public static let currency = 15
    public static let execID = 17
    public static let execInst = 18
    public static let execTransType = 20
    public static let handlInst = 21
    public static let securityIDSource = 22
    public static let lastPx = 31
    public static let lastQty = 32
    public static let orderID = 37
    public static let orderQty = 38
    public static let ordStatus = 39
    public static let ordType = 40
    public static let origClOrdID = 41
    public static let price = 44
    public static let securityID = 48
    public static let side = 54
    public static let symbol = 55
    public static let timeInForce = 59
    public static let transactTime = 60
    public static let stopPx = 99
    public static let exDestination = 100
    public static let cxlRejReason = 102
    public static let ordRejReason = 103
    public static let execType = 150
    public static let leavesQty = 151
    public static let securityType = 167
    public static let maturityMonthYear = 200
    public static let cxlRejResponseTo = 434
    public static let massStatusReqID = 584
    public static let massStatusReqType = 585

    // MARK: Market data
    public static let mdReqID = 262
    public static let subscriptionRequestType = 263
    public static let marketDepth = 264
    public static let noMDEntryTypes = 267
    public static let noMDEntries = 268
    public static let mdEntryType = 269
    public static let mdEntryPx = 270
    public static let mdEntrySize = 271
    public static let mdUpdateAction = 279
    public static let mdReqRejReason = 281
    public static let noRelatedSym = 146

    // MARK: Parties
    public static let noPartyIDs = 453
    public static let partyID = 448
    public static let partyIDSource = 447
    public static let partyRole = 452
    public static let noPartySubIDs = 802
    public static let partySubID = 523
    public static let partySubIDType = 803

    // MARK: Email and security definition
    public static let emailThreadID = 164
    public static let emailType = 94
    public static let subject = 147
    public static let linesOfText = 33
    public static let securityReqID = 320
    public static let securityResponseID = 322
    public static let securityResponseType = 323

    /// The data tag that carries the raw bytes whose length `tag` gives (a FIX `LENGTH` →
    /// `DATA` pair such as RawDataLength 95 → RawData 96), or 0 if `tag` is no length tag.
    ///
    /// DATA values may contain SOH, so the parser must take exactly that many bytes. O(1).
    @inlinable @inline(__always)
    public static func dataTag(forLengthTag tag: Int) -> Int {
        // Fast exit for the common tags (one compare pair instead of a switch).
        if tag < 90 || tag > 621 || (tag > 95 && tag < 212) { return 0 }
        switch tag {
        case 90: return 91      // SecureDataLen → SecureData
        case 93: return 89      // SignatureLength → Signature
        case 95: return 96      // RawDataLength → RawData
        case 212: return 213    // XmlDataLen → XmlData
        case 348: return 349    // EncodedIssuerLen
        case 350: return 351    // EncodedSecurityDescLen
        case 352: return 353    // EncodedListExecInstLen
        case 354: return 355    // EncodedTextLen
        case 356: return 357    // EncodedSubjectLen
        case 358: return 359    // EncodedHeadlineLen
        case 360: return 361    // EncodedAllocTextLen
        case 362: return 363    // EncodedUnderlyingIssuerLen
        case 364: return 365    // EncodedUnderlyingSecurityDescLen
        case 445: return 446    // EncodedListStatusTextLen
        case 618: return 619    // EncodedLegIssuerLen
        case 621: return 622    // EncodedLegSecurityDescLen
        default: return 0
        }
    }
}
