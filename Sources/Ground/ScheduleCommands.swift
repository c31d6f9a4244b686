import SpaceLink

/// UTC times as operators write them: `2026-12-03T10:00:00Z`, with optional fractional seconds
/// (`2026-12-03T10:00:00.250Z`) and `Z` or `+00:00` as the zone (only UTC is accepted).
public enum ISOTime {
    /// Unix seconds and nanoseconds of `text`, or `nil` when it is not such a time.
    public static func parse(_ text: String) -> (unixSeconds: Int64, nanoseconds: UInt32)? {
        var body = Substring(text)
        if body.hasSuffix("Z") || body.hasSuffix("z") {
            body = body.dropLast()
        } else if body.hasSuffix("+00:00") {
            body = body.dropLast(6)
        } else {
            return nil
        }
        let parts = body.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard date.count == 3, clock.count == 3, date[0].count == 4, date[1].count == 2, date[2].count == 2, clock[0].count == 2,
            clock[1].count == 2, let year = Int64(date[0]), let month = Int64(date[1]), let day = Int64(date[2]),
            let hour = Int64(clock[0]), let minute = Int64(clock[1])
        else { return nil }
        let secondParts = clock[2].split(separator: ".", omittingEmptySubsequences: false)
        guard secondParts.count <= 2, secondParts[0].count == 2, let second = Int64(secondParts[0]) else { return nil }
        var nanoseconds: UInt32 = 0
        if secondParts.count == 2 {
            let digits = secondParts[1]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), let fraction = UInt32(digits) else { return nil }
            var scale: UInt32 = 1
            for _ in digits.count..<9 { scale *= 10 }
            nanoseconds = fraction * scale
        }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), (0...23).contains(hour), (0...59).contains(minute),
            (0...59).contains(second)
        else { return nil }
        return (daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second, nanoseconds)
    }

    /// `2026-12-03T10:00:00.250Z` (milliseconds shown when not zero).
    public static func format(unixNanoseconds: Int64) -> String {
        let seconds = unixNanoseconds >= 0 ? unixNanoseconds / 1_000_000_000 : (unixNanoseconds - 999_999_999) / 1_000_000_000
        let milliseconds = (unixNanoseconds - seconds * 1_000_000_000) / 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (year, month, day) = UTCText.civilDate(daysSince1970: days)
        let rest = seconds - days * 86_400
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text = "\(year)-\(two(month))-\(two(day))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))"
        if milliseconds != 0 { text += "." + String(String(milliseconds + 1000).dropFirst()) }
        return text + "Z"
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension CommandParser {
    /// The `schedule` commands (service 11):
    ///
    /// ```
    /// schedule at ISO COMMAND…        TC[11,4]: COMMAND (any `send` command) released at ISO (UTC)
    /// schedule list [detail]        TC[11,17] summary (TM[11,13]) or TC[11,16] detail (TM[11,10])
    /// schedule delete REQUEST         TC[11,5]: REQUEST is SEQ, APID:SEQ or SOURCE:APID:SEQ
    /// schedule shift SECONDS          TC[11,15]: every activity moved by SECONDS (may be negative)
    /// schedule enable|disable|reset   TC[11,1] / TC[11,2] / TC[11,3]
    /// ```
    ///
    /// The embedded telecommand of `schedule at` is built with the database's APID, all four
    /// acknowledgement flags and ``embeddedSequenceCount`` (its request ID in the schedule and in
    /// its verification reports when it is released).
    /// - Throws: ``CommandError``.
    public func schedule(_ words: [String]) throws(CommandError) -> ServiceRequest {
        let usage = "schedule at ISO COMMAND… | schedule list [detail] | schedule delete SEQ|APID:SEQ|SOURCE:APID:SEQ | schedule shift SECONDS | schedule enable|disable|reset"
        guard let action = words.first else { throw CommandError("usage: \(usage)") }
        let rest = Array(words.dropFirst())
        switch action {
        case "at":
            guard rest.count >= 2 else { throw CommandError("usage: schedule at ISO COMMAND… (e.g. schedule at 2026-12-03T10:00:00Z ping)") }
            guard let time = ISOTime.parse(rest[0]) else {
                throw CommandError("\"\(rest[0])\" is not a UTC time like 2026-12-03T10:00:00Z or 2026-12-03T10:00:00.250Z")
            }
            guard rest[1] != "schedule" else { throw CommandError("a scheduled command cannot itself be a schedule command") }
            let inner = try parse(Array(rest.dropFirst()))
            let packet = inner.telecommand(apid: mib.apid, sequenceCount: embeddedSequenceCount).encoded
            guard packet.count <= 256 else { throw CommandError("the command is \(packet.count) octets; a scheduled telecommand is at most 256") }
            let activity = ScheduleActivity(releaseTime: ScheduleTime(unixSeconds: time.unixSeconds, nanoseconds: time.nanoseconds), packet: packet)
            return ServiceRequest(
                TimeBasedScheduleRequest.insert(subscheduleID: 0, activities: [activity]),
                summary: "TC[11,4] at \(ISOTime.format(unixNanoseconds: time.unixSeconds * 1_000_000_000 + Int64(time.nanoseconds))): \(inner.summary) (seq \(embeddedSequenceCount & 0x3FFF))"
            )
        case "list":
            switch rest {
            case []: return ServiceRequest(TimeBasedScheduleRequest.summaryReportAll, expectedReply: .scheduleReport, summary: "TC[11,17] schedule summary")
            case ["detail"]: return ServiceRequest(TimeBasedScheduleRequest.detailReportAll, expectedReply: .scheduleReport, summary: "TC[11,16] schedule detail")
            default: throw CommandError("usage: schedule list [detail]")
            }
        case "delete":
            guard rest.count == 1 else { throw CommandError("usage: schedule delete SEQ|APID:SEQ|SOURCE:APID:SEQ") }
            let id = try requestID(rest[0])
            return ServiceRequest(TimeBasedScheduleRequest.deleteByID([id]), summary: "TC[11,5] delete APID 0x\(String(id.apid, radix: 16)) seq \(id.sequenceCount)")
        case "shift":
            guard rest.count == 1, let seconds = Double(rest[0]), seconds.isFinite, abs(seconds * 1000) <= Double(Int32.max) else {
                throw CommandError("usage: schedule shift SECONDS (a number, at most ±24 days)")
            }
            let milliseconds = Int32((seconds * 1000).rounded())
            return ServiceRequest(TimeBasedScheduleRequest.timeShiftAll(milliseconds: milliseconds), summary: "TC[11,15] shift every activity by \(milliseconds) ms")
        case "enable": return ServiceRequest(TimeBasedScheduleRequest.enableRelease, summary: "TC[11,1] enable release")
        case "disable": return ServiceRequest(TimeBasedScheduleRequest.disableRelease, summary: "TC[11,2] disable release")
        case "reset": return ServiceRequest(TimeBasedScheduleRequest.reset, summary: "TC[11,3] reset the schedule")
        default: throw CommandError("unknown schedule action \"\(action)\"; valid: at, list, delete, shift, enable, disable, reset")
        }
    }

    /// `SEQ`, `APID:SEQ` or `SOURCE:APID:SEQ` (decimal or 0x…), as the request ID of a TC of this
    /// database's APID by default, source 0.
    func requestID(_ text: String) throws(CommandError) -> ScheduleRequestID {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func number(_ part: String, max: Int) throws(CommandError) -> UInt16 {
            let value = part.hasPrefix("0x") ? Int(part.dropFirst(2), radix: 16) : Int(part)
            guard let value, value >= 0, value <= max else { throw CommandError("\"\(text)\": expected SEQ, APID:SEQ or SOURCE:APID:SEQ") }
            return UInt16(value)
        }
        guard (1...3).contains(parts.count) else { throw CommandError("\"\(text)\": expected SEQ, APID:SEQ or SOURCE:APID:SEQ") }
        let sequence = try number(parts[parts.count - 1], max: 0x3FFF)
        let apid = parts.count >= 2 ? try number(parts[parts.count - 2], max: 0x7FF) : mib.apid
        let source = parts.count == 3 ? try number(parts[0], max: 0xFFFF) : 0
        // A TC's packet ID: version 0, type 1, secondary header; unsegmented.
        return ScheduleRequestID(sourceID: source, packetID: 0x1800 | apid, sequenceControl: 0xC000 | sequence)
    }
}

/// A schedule report (TM[11,10] or TM[11,13]) as the operator reads it: one line per activity
/// with its UTC release time, request ID and, in a detail report, the embedded command.
public enum ScheduleListing {
    /// The lines of `report` (TAI 1958 times converted with `utcToTAIOffset`).
    public static func lines(_ report: ScheduleReport, utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset) -> [String] {
        func time(_ value: ScheduleTime) -> String { ISOTime.format(unixNanoseconds: value.unixNanoseconds(utcToTAIOffset: utcToTAIOffset)) }
        func id(_ request: ScheduleRequestID) -> String {
            "APID 0x\(String(request.apid, radix: 16)) seq \(request.sequenceCount)" + (request.sourceID == 0 ? "" : " source \(request.sourceID)")
        }
        switch report {
        case .summary(let entries):
            return ["\(entries.count) scheduled"] + entries.map { "  \(time($0.releaseTime))  \(id($0.request))" }
        case .detail(let entries):
            return ["\(entries.count) scheduled"]
                + entries.map { entry in
                    guard let tc = try? PUSTelecommand.decode(entry.activity.packet) else {
                        return "  \(time(entry.activity.releaseTime))  (not a valid TC, \(entry.activity.packet.count) octets)"
                    }
                    let data = tc.applicationData.isEmpty ? "" : " data " + tc.applicationData.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
                    return "  \(time(entry.activity.releaseTime))  \(id(ScheduleRequestID(tc)))  TC\(tc.messageType)\(data)"
                }
        }
    }
}
