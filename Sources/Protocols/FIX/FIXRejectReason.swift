/// SessionRejectReason (373) codes a session-level Reject (35=3) carries (FIX 4.4 vol. 2;
/// FIX 4.2 defines 0–11).
@frozen
public enum FIXSessionRejectReason: Int, Sendable, CaseIterable {
    case invalidTagNumber = 0
    case requiredTagMissing = 1
    case tagNotDefinedForMessageType = 2
    case undefinedTag = 3
    case tagSpecifiedWithoutValue = 4
    case valueIsIncorrect = 5
    case incorrectDataFormat = 6
    case decryptionProblem = 7
    case signatureProblem = 8
    case compIDProblem = 9
    case sendingTimeAccuracyProblem = 10
    case invalidMsgType = 11
    case xmlValidationError = 12
    case tagAppearsMoreThanOnce = 13
    case tagSpecifiedOutOfRequiredOrder = 14
    case repeatingGroupFieldsOutOfOrder = 15
    case incorrectNumInGroupCount = 16
    case nonDataValueIncludesFieldDelimiter = 17
    case invalidUnsupportedApplicationVersion = 18
    case other = 99
}

/// BusinessRejectReason (380) codes a BusinessMessageReject (35=j) carries.
@frozen
public enum FIXBusinessRejectReason: Int, Sendable, CaseIterable {
    case other = 0
    case unknownID = 1
    case unknownSecurity = 2
    case unsupportedMessageType = 3
    case applicationNotAvailable = 4
    case conditionallyRequiredFieldMissing = 5
    case notAuthorized = 6
    case deliverToFirmNotAvailable = 7
    case invalidPriceIncrement = 18
}

/// Why reading a typed field failed; each maps to the SessionRejectReason a session sends.
@frozen
public enum FIXFieldError: UInt8, Error, Sendable, CaseIterable {
    /// The tag is absent (reject reason 1 when the tag is required).
    case missing
    /// The tag is present with an empty value (reason 4).
    case empty
    /// The value does not have the field's format, e.g. letters in an int (reason 6).
    case badFormat
    /// The value has the format but is not allowed, e.g. out of range or an unknown enum
    /// code (reason 5).
    case badValue

    /// The SessionRejectReason for this failure.
    @inlinable
    public var sessionRejectReason: FIXSessionRejectReason {
        switch self {
        case .missing: return .requiredTagMissing
        case .empty: return .tagSpecifiedWithoutValue
        case .badFormat: return .incorrectDataFormat
        case .badValue: return .valueIsIncorrect
        }
    }
}

/// The outcome of validating a message against a dictionary.
@frozen
public enum FIXValidationResult: Equatable, Sendable {
    /// The message passed every enabled check.
    case valid
    /// A session-level Reject (35=3) is due, with RefTagID `tag` (0 if none applies).
    case reject(reason: FIXSessionRejectReason, tag: Int)
    /// A BusinessMessageReject (35=j) is due, e.g. for an unsupported MsgType (reason 3).
    case businessReject(reason: FIXBusinessRejectReason, tag: Int)
}
