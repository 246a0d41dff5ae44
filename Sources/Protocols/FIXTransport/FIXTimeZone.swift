import PeregrineCore
#if canImport(Glibc)
import Glibc
#endif

/// Resolves a settings file's TimeZone to a UTC offset at a given instant: "UTC"/"GMT"/"Z",
/// a fixed offset ("+01:00", "-0500", "UTC+2", "GMT-03:30"), or a zoneinfo name
/// ("America/New_York") read from the system's TZif files (/usr/share/zoneinfo, or $TZDIR).
///
/// `FIXSessionSchedule` keeps one fixed offset, so a zone with daylight saving is resolved
/// for the instant the settings are loaded; a process that runs across a change of offset
/// must reload its settings (the load notes say so). Set-up only: reads files, allocates.
enum FIXTimeZone {
    /// The offset (local − UTC, seconds) and whether the zone changes offset during the year.
    struct Resolution: Equatable {
        var offsetSeconds: Int
        var observesDaylightSaving: Bool
    }

    static func resolve(_ name: String, at time: Timestamp) -> Result<Resolution, FIXTimeZoneError> {
        let upper = name.uppercased()
        if upper == "UTC" || upper == "GMT" || upper == "Z" || upper == "ETC/UTC" || upper == "ETC/GMT" {
            return .success(Resolution(offsetSeconds: 0, observesDaylightSaving: false))
        }
        for prefix in ["UTC", "GMT", ""] where upper.hasPrefix(prefix) {
            let rest = upper.dropFirst(prefix.count)
            if let sign = rest.first, sign == "+" || sign == "-" {
                guard let offset = fixedOffset(rest.dropFirst(), negative: sign == "-") else {
                    return .failure(FIXTimeZoneError("\"\(name)\" is not an offset like +01:00, -0500 or UTC+2"))
                }
                return .success(Resolution(offsetSeconds: offset, observesDaylightSaving: false))
            }
        }
        guard !name.isEmpty, !name.hasPrefix("/"), !name.contains(".."),
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) }) else {
            return .failure(FIXTimeZoneError("\"\(name)\" is not a time zone name (e.g. UTC, +01:00, Europe/London)"))
        }
        let directory = getenv("TZDIR").map { String(cString: $0) } ?? "/usr/share/zoneinfo"
        guard let bytes = readFile(directory + "/" + name) else {
            return .failure(FIXTimeZoneError("unknown time zone \"\(name)\" (no \(directory)/\(name); install tzdata or give an offset like -05:00)"))
        }
        guard let zone = TZif(bytes) else {
            return .failure(FIXTimeZoneError("\(directory)/\(name) is not a TZif zone file"))
        }
        let seconds = time.nanosecondsSinceEpoch / 1_000_000_000
        return .success(Resolution(offsetSeconds: zone.offset(at: seconds),
                                   observesDaylightSaving: zone.hasDaylightSaving(aroundSecond: seconds)))
    }

    /// "hh", "hhmm", "hh:mm" → seconds.
    static func fixedOffset(_ text: Substring, negative: Bool) -> Int? {
        let digits = text.filter { $0 != ":" }
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              text.filter({ $0 == ":" }).count <= 1 else { return nil }
        let hours: Int
        let minutes: Int
        if digits.count <= 2 {
            hours = Int(digits)!
            minutes = 0
        } else {
            hours = Int(digits.dropLast(2))!
            minutes = Int(digits.suffix(2))!
        }
        guard hours <= 14, minutes < 60 else { return nil }
        let total = hours * 3600 + minutes * 60
        return negative ? -total : total
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        return bytes
    }

    /// The transitions of a TZif file (RFC 8536; the 64-bit block of version 2+ files).
    /// After the last transition the last offset holds (Debian's files list transitions
    /// to 2037).
    struct TZif {
        var transitions: [Int64] = []
        var typeOfTransition: [Int] = []
        var offsets: [Int] = []
        var isDaylight: [Bool] = []

        init?(_ b: [UInt8]) {
            guard b.count >= 44, b[0] == 0x54, b[1] == 0x5A, b[2] == 0x69, b[3] == 0x66 else { return nil }
            func u32(_ at: Int) -> Int { Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3]) }
            func counts(_ at: Int) -> (isut: Int, isstd: Int, leap: Int, time: Int, type: Int, char: Int) {
                (u32(at + 20), u32(at + 24), u32(at + 28), u32(at + 32), u32(at + 36), u32(at + 40))
            }
            var header = 0
            var timeBytes = 4
            let v1 = counts(0)
            if b[4] >= 0x32 {   // version 2+: skip the 32-bit block
                header = 44 + v1.time * 4 + v1.time + v1.type * 6 + v1.char + v1.leap * 8 + v1.isstd + v1.isut
                timeBytes = 8
                guard b.count >= header + 44 else { return nil }
            }
            let c = counts(header)
            var at = header + 44
            guard b.count >= at + c.time * timeBytes + c.time + c.type * 6, c.type > 0 else { return nil }
            for _ in 0..<c.time {
                var value: Int64 = 0
                for k in 0..<timeBytes { value = value << 8 | Int64(b[at + k]) }
                if timeBytes == 4 { value = Int64(Int32(truncatingIfNeeded: value)) }
                transitions.append(value)
                at += timeBytes
            }
            for _ in 0..<c.time {
                typeOfTransition.append(Int(b[at]))
                at += 1
            }
            for _ in 0..<c.type {
                offsets.append(Int(Int32(bitPattern: UInt32(u32(at)))))
                isDaylight.append(b[at + 4] != 0)
                at += 6
            }
            guard typeOfTransition.allSatisfy({ $0 < offsets.count }) else { return nil }
        }

        func type(at second: Int64) -> Int {
            var chosen = -1
            var low = 0
            var high = transitions.count - 1
            while low <= high {
                let middle = (low + high) / 2
                if transitions[middle] <= second { chosen = middle; low = middle + 1 } else { high = middle - 1 }
            }
            if chosen >= 0 { return typeOfTransition[chosen] }
            return isDaylight.firstIndex(of: false) ?? 0
        }

        func offset(at second: Int64) -> Int { offsets[type(at: second)] }

        /// Whether the offset differs anywhere within a year either side of `second`.
        func hasDaylightSaving(aroundSecond second: Int64) -> Bool {
            let year: Int64 = 366 * 86_400
            let here = offset(at: second)
            return transitions.contains { $0 > second - year && $0 < second + year && offset(at: $0) != here }
                || offset(at: second + year / 2) != here
        }
    }
}

struct FIXTimeZoneError: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}
