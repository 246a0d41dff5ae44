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
    ///
    /// Compares bytes directly (no `String` work): called once per parsed message. O(1).
    @inlinable
    public init?(beginString bytes: UnsafeRawBufferPointer) {
        if bytes.count == 7 && bytes[0] == 0x46 && bytes[1] == 0x49 && bytes[2] == 0x58 && bytes[3] == 0x2E
            && bytes[4] == 0x34 && bytes[5] == 0x2E {                       // "FIX.4."
            switch bytes[6] {
            case 0x32: self = .fix42
            case 0x34: self = .fix44
            default: return nil
            }
            return
        }
        if bytes.count == 8 && bytes[0] == 0x46 && bytes[1] == 0x49 && bytes[2] == 0x58 && bytes[3] == 0x54
            && bytes[4] == 0x2E && bytes[5] == 0x31 && bytes[6] == 0x2E && bytes[7] == 0x31 {  // "FIXT.1.1"
            self = .fixt11
            return
        }
        return nil
    }

    public var description: String { rawValue }
}
