/// The standard text of each SessionRejectReason (373), sent in Text (58) of a Reject.
///
/// The FIX 4.4 specification's descriptions, spelled as FIX engines send them (QuickFIX's
/// `SessionRejectReason_*_TEXT`). The dictionaries' enum descriptions are identifiers
/// (`COMP_ID_PROBLEM`), not this text, so the table is written out here.
extension FIXSessionRejectReason {
    /// The standard description, e.g. "Required tag missing".
    public var standardText: StaticString {
        switch self {
        case .invalidTagNumber: return "Invalid tag number"
        case .requiredTagMissing: return "Required tag missing"
        case .tagNotDefinedForMessageType: return "Tag not defined for this message type"
        case .undefinedTag: return "Undefined Tag"
        case .tagSpecifiedWithoutValue: return "Tag specified without a value"
        case .valueIsIncorrect: return "Value is incorrect (out of range) for this tag"
        case .incorrectDataFormat: return "Incorrect data format for value"
        case .decryptionProblem: return "Decryption problem"
        case .signatureProblem: return "Signature problem"
        case .compIDProblem: return "CompID problem"
        case .sendingTimeAccuracyProblem: return "SendingTime accuracy problem"
        case .invalidMsgType: return "Invalid MsgType"
        case .xmlValidationError: return "XML Validation error"
        case .tagAppearsMoreThanOnce: return "Tag appears more than once"
        case .tagSpecifiedOutOfRequiredOrder: return "Tag specified out of required order"
        case .repeatingGroupFieldsOutOfOrder: return "Repeating group fields out of order"
        case .incorrectNumInGroupCount: return "Incorrect NumInGroup count for repeating group"
        case .nonDataValueIncludesFieldDelimiter: return "Non Data value includes field delimiter (SOH character)"
        case .invalidUnsupportedApplicationVersion: return "Invalid/Unsupported Application Version"
        case .other: return "Other"
        }
    }
}
