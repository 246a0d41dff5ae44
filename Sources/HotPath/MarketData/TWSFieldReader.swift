import PeregrineCore

/// A view of a text field inside a received frame (valid while the receive buffer is).
public struct TWSText: @unchecked Sendable {
    // SAFETY: a borrowed view; the decoder's caller keeps the buffer alive while it uses the value.
    public let bytes: UnsafeRawBufferPointer
    @inlinable public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
    @inlinable public static var empty: TWSText { TWSText(UnsafeRawBufferPointer(start: nil, count: 0)) }
    @inlinable public var isEmpty: Bool { bytes.count == 0 }
    /// Whether the field holds exactly `text`.
    @inlinable public func equals(_ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let p = text.utf8Start
        for i in 0..<bytes.count where bytes[i] != p[i] { return false }
        return true
    }
    /// A copy as a `String` (allocates: logging and cold paths only).
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// Reads the NUL-terminated fields of one TWS frame payload: the byte-scanning room of the TWS
/// codec. Numbers are parsed in place; nothing is copied or allocated. A read past the last
/// terminator or a field that does not parse sets `failure` and returns a neutral value, so a
/// decoder checks once at the end of a message.
public struct TWSFieldReader {
    public let payload: UnsafeRawBufferPointer
    public private(set) var position = 0
    /// First problem met, if any.
    public private(set) var failure: TWSSkipReason? = nil

    @inlinable public init(_ payload: UnsafeRawBufferPointer) { self.payload = payload }

    /// Whether fields remain.
    public var hasMore: Bool { position < payload.count }

    /// The next field's bytes.
    public mutating func text() -> TWSText {
        let start = position
        while position < payload.count && payload[position] != 0 { position += 1 }
        guard position < payload.count else {
            if failure == nil { failure = .missingTerminator }
            position = payload.count
            return .empty
        }
        let field = UnsafeRawBufferPointer(rebasing: payload[start..<position])
        position += 1
        return TWSText(field)
    }

    /// Skips `n` fields.
    public mutating func skip(_ n: Int) { for _ in 0..<n { _ = text() } }

    /// An integer field; empty reads as 0 (as the official client does).
    public mutating func int() -> Int64 {
        let f = text().bytes
        if f.count == 0 { return 0 }
        var i = 0
        var negative = false
        if f[0] == UInt8(ascii: "-") { negative = true; i = 1 }
        guard i < f.count, f.count - i <= 18 else { fail(); return 0 }
        var v: Int64 = 0
        while i < f.count {
            let b = f[i]
            guard b >= 48 && b <= 57 else { fail(); return 0 }
            v = v * 10 + Int64(b - 48)
            i += 1
        }
        return negative ? -v : v
    }

    /// A boolean field ("1"/"0", empty = false).
    public mutating func bool() -> Bool { int() != 0 }

    /// A decimal field as fixed point; `nil` for unset (empty, the max-double sentinel, "Infinite").
    public mutating func decimal() -> Int64? {
        TWSFieldReader.parseDecimal(text().bytes, failure: &failure)
    }

    /// A price field; `nil` when unset.
    public mutating func price() -> Price? { decimal().map(Price.init(rawValue:)) }
    /// A quantity field; `nil` when unset.
    public mutating func quantity() -> Quantity? { decimal().map(Quantity.init(rawValue:)) }

    mutating func fail() { if failure == nil { failure = .malformedField } }

    /// Parses `[-]digits[.digits][(e|E)[+-]digits]` into 10⁻⁸ units, rounding half-even past eight
    /// decimals. Magnitudes at or above 1e300 (TWS's UNSET_DOUBLE, 1.7976931348623157E308) read as
    /// unset; other overflow is a malformed field.
    static func parseDecimal(_ f: UnsafeRawBufferPointer, failure: inout TWSSkipReason?) -> Int64? {
        if f.count == 0 { return nil }
        if f.count == 8 && f[0] == UInt8(ascii: "I") { return nil }  // "Infinite"
        var exponentAt = -1
        for i in 0..<f.count where f[i] == UInt8(ascii: "e") || f[i] == UInt8(ascii: "E") { exponentAt = i; break }
        if exponentAt < 0 {
            guard let v = Price(ascii: f, rounding: .toNearestOrEven) else {
                if failure == nil { failure = .malformedField }
                return nil
            }
            return v.rawValue
        }
        // Exponent form: split mantissa digits and decimal point, then shift.
        var exponent = 0
        var i = exponentAt + 1
        var expNegative = false
        if i < f.count && (f[i] == UInt8(ascii: "+") || f[i] == UInt8(ascii: "-")) { expNegative = f[i] == UInt8(ascii: "-"); i += 1 }
        guard i < f.count else { if failure == nil { failure = .malformedField }; return nil }
        while i < f.count {
            let b = f[i]
            guard b >= 48 && b <= 57, exponent < 10_000 else { if failure == nil { failure = .malformedField }; return nil }
            exponent = exponent * 10 + Int(b - 48)
            i += 1
        }
        if expNegative { exponent = -exponent }
        var negative = false
        var mantissa: Int64 = 0
        var decimals = 0
        var seenPoint = false
        var digits = 0
        i = 0
        if f[0] == UInt8(ascii: "-") || f[0] == UInt8(ascii: "+") { negative = f[0] == UInt8(ascii: "-"); i = 1 }
        var significant = 0
        var dropped = 0
        while i < exponentAt {
            let b = f[i]
            i += 1
            if b == UInt8(ascii: ".") {
                guard !seenPoint else { if failure == nil { failure = .malformedField }; return nil }
                seenPoint = true
                continue
            }
            guard b >= 48 && b <= 57 else { if failure == nil { failure = .malformedField }; return nil }
            digits += 1
            if significant == 0 && b == 48 { if seenPoint { decimals += 1 }; continue }
            if significant >= 17 { if !seenPoint { dropped += 1 }; continue }  // beyond double precision
            mantissa = mantissa * 10 + Int64(b - 48)
            significant += 1
            if seenPoint { decimals += 1 }
        }
        guard digits > 0 else { if failure == nil { failure = .malformedField }; return nil }
        // value = mantissa × 10^(exponent + dropped − decimals)
        let scale = exponent + dropped - decimals
        if mantissa != 0 && significant + scale > 290 { return nil }  // UNSET_DOUBLE and kin
        let decimalsNeeded = -scale
        if decimalsNeeded < 0 {
            var v = mantissa
            for _ in 0..<(-decimalsNeeded) {
                let (m, o) = v.multipliedReportingOverflow(by: 10)
                if o { if failure == nil { failure = .malformedField }; return nil }
                v = m
            }
            guard let p = Price(mantissa: negative ? -v : v, decimals: 0) else { if failure == nil { failure = .malformedField }; return nil }
            return p.rawValue
        }
        if decimalsNeeded > 18 { return 0 }
        guard let p = Price(mantissa: negative ? -mantissa : mantissa, decimals: decimalsNeeded, rounding: .toNearestOrEven) else {
            if failure == nil { failure = .malformedField }
            return nil
        }
        return p.rawValue
    }
}

/// Why the decoder skipped a frame (it always skips by the frame's length, so the stream stays
/// in sync). Maps to drop reason `.malformed` except `unknownMessageId`.
@frozen
public enum TWSSkipReason: UInt8, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The message id is not one this codec decodes.
    case unknownMessageId = 1
    /// A field did not parse (non-numeric integer, bad decimal).
    case malformedField
    /// The payload does not end with NUL, or a message has fewer fields than its layout.
    case missingTerminator
    /// Length prefix of zero.
    case emptyFrame
    /// Length prefix above the decoder's limit; the caller discards `consumed` bytes as they arrive.
    case frameTooLarge
    /// The first field (message id) is not a number.
    case badMessageId

    public var description: String {
        switch self {
        case .unknownMessageId: return "unknown-message-id"
        case .malformedField: return "malformed-field"
        case .missingTerminator: return "missing-terminator"
        case .emptyFrame: return "empty-frame"
        case .frameTooLarge: return "frame-too-large"
        case .badMessageId: return "bad-message-id"
        }
    }
}
