/// Which checks `FIXDictionary.validate` performs (QuickFIX's Validate* settings, by name).
///
/// A plain value built once at set-up; the defaults are the strict ones.
public struct FIXValidationOptions: Sendable {
    /// Required header, body, trailer and group fields must be present (reason 1).
    public var checkRequiredFields = true
    /// Fields must not be empty (reason 4).
    public var checkFieldsHaveValues = true
    /// Apply the dictionary to user-defined tags (≥ 5000) too; when false they are allowed
    /// anywhere without checks.
    public var checkUserDefinedFields = true
    /// Tags the dictionary does not define are rejected (reason 3).
    public var checkUnknownFields = true
    /// Defined tags that do not belong to the message type are rejected (reason 2).
    public var checkFieldsDefinedForMessage = true
    /// Values must have their type's format: int, decimal, char, Y/N, UTCTimestamp, date
    /// (reason 6).
    public var checkDataFormat = true
    /// Values of enumerated fields must be one of the codes (reason 5).
    public var checkEnumValues = true
    /// Header fields first, trailer last (reason 14); group members in definition order
    /// (reason 15).
    public var checkFieldOrder = true
    /// NumInGroup must equal the number of instances (reason 16).
    public var checkRepeatingGroupCounts = true
    /// Allow a tag to appear twice in one scope; when false that is reason 13.
    public var allowRepeatedTags = false
    /// Application message types this endpoint handles; a type the dictionary defines but
    /// this list lacks gets a BusinessMessageReject (reason 3). `nil` accepts every type.
    public var supportedApplicationMessageTypes: [FIXMessageType]? = nil

    /// The strict defaults.
    public init() {}

    /// Everything off but framing (for a trusted drop copy or a replay).
    public static var none: FIXValidationOptions {
        var o = FIXValidationOptions()
        o.checkRequiredFields = false
        o.checkFieldsHaveValues = false
        o.checkUserDefinedFields = false
        o.checkUnknownFields = false
        o.checkFieldsDefinedForMessage = false
        o.checkDataFormat = false
        o.checkEnumValues = false
        o.checkFieldOrder = false
        o.checkRepeatingGroupCounts = false
        o.allowRepeatedTags = true
        return o
    }
}
