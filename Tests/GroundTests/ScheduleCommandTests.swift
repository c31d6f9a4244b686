import Ground
import SpaceLink
import Testing

/// `iost-ground send schedule …`: the telecommands it builds and the reports it reads.
@Suite struct ScheduleCommandTests {
    @Test func isoTimesAreUTCWithOptionalFractions() {
        #expect(ISOTime.parse("2026-12-03T10:00:00Z")! == (1_796_292_000, 0))
        #expect(ISOTime.parse("2026-12-03T10:00:00.25Z")! == (1_796_292_000, 250_000_000))
        #expect(ISOTime.parse("2024-02-29T23:59:59+00:00")! == (1_709_251_199, 0))
        for bad in ["2026-12-03T10:00:00", "2026-12-03T10:00:00+01:00", "2026-13-03T10:00:00Z", "2025-02-29T00:00:00Z", "2026-12-03 10:00:00Z", "2026-12-03T10:00:60Z", "2026-12-03T10:00:00.Z"] {
            #expect(ISOTime.parse(bad) == nil, "\(bad)")
        }
        #expect(ISOTime.format(unixNanoseconds: 1_796_292_000_250_000_000) == "2026-12-03T10:00:00.250Z")
        #expect(ISOTime.format(unixNanoseconds: 1_709_251_199_000_000_000) == "2024-02-29T23:59:59Z")
    }

    @Test func scheduleAtWrapsTheCommandInATC11_4AsSpacepacketsBuildsIt() throws {
        var parser = CommandParser(mib: try fixtureMIB())
        parser.embeddedSequenceCount = 42
        let request = try parser.parse(["schedule", "at", "2026-12-03T10:00:00.250Z", "ping"])
        #expect(request.messageType == MessageType(11, 4))
        #expect(request.summary.contains("TC[17,1] ping") && request.summary.contains("seq 42"))
        // spacepackets 0.32: PusTc(apid=0x123, service=11, subservice=4, seq_count=43, app_data=
        //   00 01 | 2F 6B113DA0 400000 | PusTc(apid=0x123, service=17, subservice=1, seq_count=42))
        let expected = hex("1923c02b001d2f0b04000000012f6b113da04000001923c02a00062f11010000c3c7a055")
        #expect(request.telecommand(apid: 0x123, sequenceCount: 43).encoded == expected)
        #expect(throws: CommandError.self) { try parser.parse(["schedule", "at", "tomorrow", "ping"]) }
        #expect(throws: CommandError.self) { try parser.parse(["schedule", "at", "2026-12-03T10:00:00Z", "schedule", "enable"]) }
        #expect(throws: CommandError.self) { try parser.parse(["schedule", "at", "2026-12-03T10:00:00Z", "warp"]) }
    }

    @Test func listDeleteEnableAndDisable() throws {
        let parser = CommandParser(mib: try fixtureMIB())
        let list = try parser.parse(["schedule", "list"])
        #expect(list.messageType == MessageType(11, 17) && list.applicationData.isEmpty && list.expectedReply == .scheduleReport)
        #expect(try parser.parse(["schedule", "list", "detail"]).messageType == MessageType(11, 16))
        #expect(try parser.parse(["schedule", "enable"]).messageType == MessageType(11, 1))
        #expect(try parser.parse(["schedule", "disable"]).messageType == MessageType(11, 2))
        // Source 0, packet ID 0x1800 | APID, sequence control 0xC000 | count.
        #expect(try parser.parse(["schedule", "delete", "42"]).applicationData == [0x00, 0x01, 0x00, 0x00, 0x19, 0x23, 0xC0, 0x2A])
        #expect(try parser.parse(["schedule", "delete", "3:0x10:7"]).applicationData == [0x00, 0x01, 0x00, 0x03, 0x18, 0x10, 0xC0, 0x07])
        #expect(throws: CommandError.self) { try parser.parse(["schedule", "delete", "0x4000"]) }
        #expect(try parser.parse(["schedule", "shift", "-1.5"]).applicationData == [0xFF, 0xFF, 0xFA, 0x24])
    }

    @Test func theReplyOfScheduleListIsDecodedWithTimesRequestsAndCommands() throws {
        let mib = try fixtureMIB()
        let ping = PUSTelecommand(apid: 0x123, sequenceCount: 42, messageType: .areYouAlive).encoded
        let time = ScheduleTime(unixSeconds: 1_796_292_000, nanoseconds: 250_000_000)
        // TM[11,13]: N = 1 | sub-schedule 0 | 2F 6B113DA0 400000 | source 0000, 1923, C02A.
        let summary = hex("0001" + "00" + "2f6b113da0400000" + "0000" + "1923" + "c02a")
        let packet = PUSTelemetry(
            apid: 0x123, sequenceCount: 1, messageType: .scheduleSummaryReport, messageTypeCounter: 0, destinationID: 0,
            time: CUCTime(coarse: 0, fine: 0), sourceData: summary)
        let decoded = DownlinkDecoder.decode(packet, mib: mib)
        guard case .schedule(let report) = decoded.content else {
            Issue.record("not decoded as a schedule report: \(decoded.content)")
            return
        }
        #expect(ExpectedReply.scheduleReport.matches(decoded))
        #expect(ScheduleListing.lines(report) == ["1 scheduled", "  2026-12-03T10:00:00.250Z  APID 0x123 seq 42"])
        let detail = ScheduleReport.detail([ScheduleDetailEntry(subscheduleID: 0, activity: ScheduleActivity(releaseTime: time, packet: ping))])
        #expect(ScheduleListing.lines(detail) == ["1 scheduled", "  2026-12-03T10:00:00.250Z  APID 0x123 seq 42  TC[17,1]"])
    }
}
