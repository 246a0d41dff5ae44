/// The FIX protocol versions Peregrine speaks, by their BeginString (8) value.
///
/// FIX 5.0 SP2 application messages travel in FIXT.1.1 sessions (BeginString "FIXT.1.1",
/// ApplVerID/DefaultApplVerID 9 for 5.0 SP2).
public enum FIXVersion: String, Sendable, CaseIterable, CustomStringConvertible {
    case fix42 = "FIX.4.2"
    case fix44 = "FIX.4.4"
    case fixt11 = "FIXT.1.1"

    /// The BeginString field value as bytes (ASCII).
    public var beginString: [UInt8] { Array(rawValue.utf8) }

    /// The version for a BeginString value, or `nil` if unsupported.
    public init?(beginString bytes: UnsafeRawBufferPointer) {
        for v in FIXVersion.allCases where v.rawValue.utf8.elementsEqual(bytes) {
            self = v
            return
        }
        return nil
    }

    public var description: String { rawValue }
}
