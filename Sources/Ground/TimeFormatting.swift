import SpaceLink

/// UTC text for TM time stamps: ISO 8601 with milliseconds and a `Z` suffix.
public enum UTCText {
    /// The UTC instant of a TAI CUC time, e.g. `2024-12-31T23:59:23.500Z`.
    ///
    /// TAI − UTC is one constant (`utcToTAIOffset`): a time inside a leap second is shown as the
    /// following second's first instant, as POSIX time does.
    public static func iso8601(_ time: CUCTime, utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset) -> String {
        // Work in whole milliseconds since the Unix epoch, rounded to nearest.
        let milliseconds =
            (Int64(time.coarse) - CUCTime.epochOffsetFrom1958To1970 - utcToTAIOffset) * 1000
            + (Int64(time.fine) * 1000 + 32_768) / 65_536
        return iso8601(unixMilliseconds: milliseconds)
    }

    /// UTC text of a Unix time in milliseconds (may be negative).
    public static func iso8601(unixMilliseconds: Int64) -> String {
        let (seconds, millis) = floorDivide(unixMilliseconds, 1000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civilDate(daysSince1970: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }

    /// Time of day `HH:MM:SS` (UTC) of a TAI CUC time, for compact displays.
    public static func timeOfDay(_ time: CUCTime, utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset) -> String {
        let text = iso8601(time, utcToTAIOffset: utcToTAIOffset)
        let start = text.index(text.startIndex, offsetBy: 11)
        return String(text[start..<text.index(start, offsetBy: 8)])
    }

    /// Proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant's days-to-civil
    /// algorithm: eras of 400 years, March-based years so the leap day ends the year).
    static func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 {
            q -= 1
            r += b
        }
        return (q, r)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
