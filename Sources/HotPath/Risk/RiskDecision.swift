/// The risk stage's answer for one order: accept, or reject with one reason code.
/// 1–2 bytes, trivially copyable.
@frozen
public enum RiskDecision: Sendable, BitwiseCopyable, Equatable, CustomStringConvertible {
    case accept
    case reject(RiskRejectReason)

    /// Whether the order may be sent.
    @inlinable public var isAccepted: Bool { if case .accept = self { return true } else { return false } }

    /// The reject reason, or `nil` when accepted.
    @inlinable public var rejectReason: RiskRejectReason? {
        if case .reject(let reason) = self { return reason } else { return nil }
    }

    public var description: String {
        switch self {
        case .accept: return "accept"
        case .reject(let reason): return "reject(\(reason))"
        }
    }
}

/// Why the kill switch is engaged.
@frozen
public enum KillSwitchCause: UInt8, Sendable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    case none = 0
    /// An operator command.
    case manual = 1
    /// `stormRejectCount` rejects of the configured reasons within `stormWindow`.
    case rejectStorm = 2
    /// A venue connection was lost.
    case venueDisconnected = 3

    public var description: String {
        switch self {
        case .none: return "none"
        case .manual: return "manual"
        case .rejectStorm: return "reject-storm"
        case .venueDisconnected: return "venue-disconnected"
        }
    }
}
