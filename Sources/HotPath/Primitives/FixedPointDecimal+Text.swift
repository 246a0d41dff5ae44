/// Parsing and formatting of fixed-point decimals as ASCII bytes, without allocation.
extension FixedPointDecimal {
    /// Parses ASCII decimal text: optional sign, digits, optional point and digits.
    ///
    /// Accepts "101", "-0.25", "+3.", ".5". Rejects empty text, other characters, overflow,
    /// and more than eight decimals unless `rule` is given (then rounds by it). O(n), no
    /// allocation, safe on any bytes (the fuzz target of every codec that uses it).
    @inlinable
    public init?(ascii bytes: UnsafeRawBufferPointer, rounding rule: FixedPointRounding? = nil) {
        // Fast path for what feeds and codecs send (an optional sign, at most 18 digits, at
        // most one point and eight decimals): the mantissa cannot overflow an Int64, so the
        // digits need no overflow checks and the scale-up one checked multiply. Anything
        // else (more digits, more decimals, odd text) falls through to the general parser,
        // which gives the same answer for every input the fast path accepts.
        if let raw = Self.fastRawValue(ascii: bytes) {
            self.init(rawValue: raw)
            return
        }
        self.init(slowASCII: bytes, rounding: rule)
    }

    /// The raw value of plain decimal text (see `init?(ascii:rounding:)`), or `nil` when the
    /// text is not plain (then the general parser decides, and may still accept it).
    @inlinable @inline(__always)
    static func fastRawValue(ascii bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        guard count > 0, count <= 20, let base = bytes.baseAddress else { return nil }
        var index = 0
        let first = base.load(as: UInt8.self)
        let negative = first == UInt8(ascii: "-")
        if negative || first == UInt8(ascii: "+") { index = 1 }
        var mantissa: Int64 = 0
        var digits = 0
        var pointAt = -1
        while index < count {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            let digit = byte &- 48
            if digit < 10 {
                mantissa = mantissa &* 10 &+ Int64(digit)
                digits &+= 1
            } else if byte == UInt8(ascii: ".") && pointAt < 0 {
                pointAt = index
            } else {
                return nil
            }
            index &+= 1
        }
        // 18 digits ≤ 999…9 < Int64.max: no overflow above; 19+ need the careful path.
        guard digits > 0, digits <= 18 else { return nil }
        let decimals = pointAt < 0 ? 0 : count &- pointAt &- 1
        guard decimals <= FixedPointScale.decimals else { return nil }
        let (scaled, overflow) = mantissa.multipliedReportingOverflow(by: FixedPointDecimalPowers.of10(FixedPointScale.decimals &- decimals))
        // Int64.min (which only the general path reaches, through 19 digits) never comes up.
        if overflow { return nil }
        return negative ? 0 &- scaled : scaled
    }

    /// The general parser behind `init?(ascii:rounding:)` (any length, rounding of extra
    /// decimals, exact overflow handling).
    @inlinable
    init?(slowASCII bytes: UnsafeRawBufferPointer, rounding rule: FixedPointRounding?) {
        var index = 0
        let count = bytes.count
        guard count > 0 else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        // Accumulate as a negative number so Int64.min is reachable.
        var accumulator: Int64 = 0
        var digits = 0
        var decimals = 0
        var seenPoint = false
        var droppedNonZero = false
        var firstDropped: UInt8 = 0
        var droppedCount = 0
        while index < count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
                continue
            }
            guard byte >= 48 && byte <= 57 else { return nil }
            digits += 1
            if seenPoint && decimals == FixedPointScale.decimals {
                // Beyond 10⁻⁸: remember enough to round later.
                if droppedCount == 0 { firstDropped = byte - 48 } else if byte != 48 { droppedNonZero = true }
                droppedCount += 1
                continue
            }
            if seenPoint { decimals += 1 }
            let (m, o1) = accumulator.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(byte - 48))
            if o1 || o2 { return nil }
            accumulator = s
        }
        guard digits > 0 else { return nil }
        // Scale to 10⁻⁸.
        for _ in decimals..<FixedPointScale.decimals {
            let (m, o) = accumulator.multipliedReportingOverflow(by: 10)
            if o { return nil }
            accumulator = m
        }
        if droppedCount > 0 && (firstDropped != 0 || droppedNonZero) {
            guard let rule else { return nil }
            // accumulator is −|truncated|; decide whether to step away from zero.
            let half = firstDropped == 5 && !droppedNonZero
            let aboveHalf = firstDropped > 5 || (firstDropped == 5 && droppedNonZero)
            let away: Bool
            switch rule {
            case .towardZero: away = false
            case .down: away = negative
            case .up: away = !negative
            case .toNearestOrAwayFromZero: away = aboveHalf || half
            case .toNearestOrEven: away = aboveHalf || (half && (accumulator & 1) != 0)
            }
            if away {
                let (s, o) = accumulator.subtractingReportingOverflow(1)
                if o { return nil }
                accumulator = s
            }
        }
        if negative {
            self.init(rawValue: accumulator)
        } else {
            guard accumulator != .min else { return nil }
            self.init(rawValue: -accumulator)
        }
    }

    /// Parses decimal text (convenience over `init?(ascii:rounding:)`; not for the hot path).
    public init?(_ text: String, rounding rule: FixedPointRounding? = nil) {
        var copy = text
        guard let value = copy.withUTF8({ Self(ascii: UnsafeRawBufferPointer($0), rounding: rule) }) else { return nil }
        self = value
    }

    /// Writes the value as ASCII decimal text, trailing fraction zeros trimmed, into `buffer`.
    ///
    /// Returns the bytes written (at most `maxFormattedLength`); traps if `buffer` is shorter
    /// than that. O(digits), no allocation.
    @inlinable
    public func format(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= Self.maxFormattedLength, "format buffer too small")
        let raw = rawValue
        var magnitude = raw.magnitude                    // UInt64: safe for Int64.min
        let fraction = magnitude % UInt64(FixedPointScale.scale)
        magnitude /= UInt64(FixedPointScale.scale)
        var position = 0
        if raw < 0 {
            buffer[0] = UInt8(ascii: "-")
            position = 1
        }
        // Integer digits, written backwards into a scratch area at the end of the buffer.
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let integerDigits: Int = withUnsafeMutableBytes(of: &scratch) { tmp in
            var n = magnitude
            var i = 0
            repeat {
                tmp[23 - i] = UInt8(48 + n % 10)
                n /= 10
                i += 1
            } while n > 0
            for k in 0..<i { buffer[position + k] = tmp[24 - i + k] }
            return i
        }
        position += integerDigits
        if fraction != 0 {
            buffer[position] = UInt8(ascii: ".")
            position += 1
            var f = fraction
            var width = FixedPointScale.decimals
            while f % 10 == 0 { f /= 10; width -= 1 }
            var divisor: UInt64 = 1
            for _ in 1..<width { divisor *= 10 }
            for _ in 0..<width {
                buffer[position] = UInt8(48 + (f / divisor) % 10)
                position += 1
                divisor /= 10
            }
        }
        return position
    }
}

/// Powers of ten for the fixed-point text fast paths.
@usableFromInline
enum FixedPointDecimalPowers {
    /// 10ⁿ for n in 0...18 (callers stay in range).
    @inlinable @inline(__always)
    static func of10(_ n: Int) -> Int64 {
        var p: Int64 = 1
        var k = n
        while k > 0 { p &*= 10; k &-= 1 }
        return p
    }
}
