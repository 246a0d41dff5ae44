import PeregrineCore
import PeregrineFIX

/// The effective `key=value`s of one [SESSION] ([DEFAULT] overlaid by the section) and the
/// typed reads of them; each read failure becomes a problem at the line of the value (or
/// of the [SESSION] header when a required key is missing). Set-up only.
struct FIXSettingsReader {
    let source: String
    let sessionLine: Int
    /// By lower-cased key.
    let values: [String: FIXSettingsEntry]
    var problems: [FIXSettingsProblem] = []

    init(source: String, sessionLine: Int, values: [String: FIXSettingsEntry]) {
        self.source = source
        self.sessionLine = sessionLine
        self.values = values
    }

    func entry(_ name: String) -> FIXSettingsEntry? { values[name.lowercased()] }

    /// Whether the file gives the key (defaults from the key table do not count).
    func has(_ name: String) -> Bool { entry(name) != nil }

    func line(_ name: String) -> Int { entry(name)?.line ?? sessionLine }

    mutating func problem(_ name: String?, _ message: String) {
        problems.append(FIXSettingsProblem(source: source, line: name.map { line($0) } ?? sessionLine, message: message))
    }

    /// The value as written, or the declared default; nil (with a problem) for an empty value.
    mutating func text(_ name: String) -> String? {
        if let entry = entry(name) {
            guard !entry.value.isEmpty else {
                problem(name, "\(entry.key) has no value; give one or remove the line")
                return nil
            }
            return entry.value
        }
        return FIXSettingKey.named(name)?.defaultValue
    }

    /// A required value; a problem naming who requires it when missing.
    mutating func required(_ name: String, _ because: String) -> String? {
        if !has(name) {
            problem(nil, "\(name) is missing (required \(because))")
            return nil
        }
        return text(name)
    }

    /// Y or N (any case); a problem and the default otherwise.
    mutating func bool(_ name: String) -> Bool {
        let fallback = FIXSettingKey.named(name)?.defaultValue?.uppercased() == "Y"
        guard let value = text(name) else { return fallback }
        switch value.uppercased() {
        case "Y": return true
        case "N": return false
        default:
            problem(name, "\(entry(name)?.key ?? name)=\(value) is not Y or N")
            return fallback
        }
    }

    /// A whole number in `range`; nil (with a problem) otherwise, nil silently when absent
    /// and without a default.
    mutating func integer(_ name: String, in range: ClosedRange<Int>, unit: String = "") -> Int? {
        guard let value = text(name) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            let upper = range.upperBound == Int.max ? "" : " to \(range.upperBound)"
            problem(name, "\(entry(name)?.key ?? name)=\(value) is not a whole number from \(range.lowerBound)\(upper)\(unit)")
            return nil
        }
        return number
    }

    /// "HH:MM:SS" → seconds of the day.
    mutating func timeOfDay(_ name: String) -> Int? {
        guard let value = text(name) else { return nil }
        guard let seconds = FIXSessionSchedule.secondOfDay(value) else {
            problem(name, "\(entry(name)?.key ?? name)=\(value) is not a time of day HH:MM:SS (00:00:00 to 23:59:59)")
            return nil
        }
        return seconds
    }

    /// A day name or an abbreviation of at least two letters ("Mon", "su", "Thursday") →
    /// 0 Sunday … 6 Saturday.
    static func weekday(_ text: String) -> Int? {
        let lowered = text.lowercased()
        guard lowered.count >= 2 else { return nil }
        return FIXSessionSettings.dayNames.firstIndex { $0.lowercased().hasPrefix(lowered) }
    }

    mutating func weekday(_ name: String) -> Int? {
        guard let value = text(name) else { return nil }
        guard let day = Self.weekday(value) else {
            problem(name, "\(entry(name)?.key ?? name)=\(value) is not a day of the week (Sunday … Saturday, or Sun, Mo …)")
            return nil
        }
        return day
    }
}
