import Ground
import SpaceLink
import Testing

/// `iost-ground send pmon …` and `ea …`: ST[12] and ST[19] telecommands as spacepackets builds
/// them (Yamcs's pus12.xml / pus19.xml layouts), and their reports as lines.
@Suite struct MonitoringCommandTests {
    @Test func addingAMonitorAndAnEventActionAreTheBytesSpacepacketsBuilds() throws {
        let parser = CommandParser(mib: try fixtureMIB())
        let add = try parser.parse([
            "pmon", "add", "0x40", "power.battery_soc_pct", "limit", "15", "95", "--repeat", "2", "--low-event", "0x04F0", "--high-event", "0x04F1",
        ])
        // spacepackets 0.32: PusTc(apid=0x123, service=12, subservice=5, seq_count=7,
        //   app_data=0040 0200 03e8 02 01 41700000 04f0 42be0000 04f1)
        #expect(add.telecommand(apid: 0x123, sequenceCount: 7).encoded == hex("1923c007001a2f0c0500000040020003e802014170000004f042be000004f12a06"))
        // PusTc(apid=0x123, service=19, subservice=1, seq_count=8, app_data=01 04f0 + PusTc(17, 1, seq_count=0).pack())
        let action = try parser.parse(["ea", "add", "0x04F0", "ping"])
        #expect(action.telecommand(apid: 0x123, sequenceCount: 8).encoded == hex("1923c00800162f130100000104f01923c00000062f1101000029d36e7b"))

        #expect(
            try MonitoringRequest.decode(.monitoringAdd, data: try parser.parse(["pmon", "add", "3", "512", "delta", "-1", "1", "4", "--every", "500"]).applicationData[...])
                == .add(
                    MonitoringDefinition(
                        pmonID: 3, parameterID: 512, intervalMilliseconds: 500, repetition: 1,
                        check: .delta(low: -1, lowEvent: 0, high: 1, highEvent: 0, consecutiveDeltas: 4))))
        #expect(
            try parser.parse(["pmon", "modify", "4", "fdir.mode", "expect", "3", "0x0F"]).applicationData == [0x00, 0x04, 0x00, 0x01, 0x01, 0x00, 0x0F, 0x03, 0x00, 0x00])
        #expect(try parser.parse(["pmon", "enable", "1", "0x40"]).applicationData == [2, 0, 1, 0, 0x40])
        #expect(try parser.parse(["pmon", "list"]).applicationData == [0] && (try parser.parse(["pmon", "list"]).expectedReply) == .monitoringReport(.monitoringDefinitionReport))
        #expect(try parser.parse(["pmon", "status"]).expectedReply == .monitoringReport(.monitoringStatusReport))
        #expect(try parser.parse(["pmon", "transitions"]).messageType == .monitoringReportTransitions)
        #expect(try parser.parse(["ea", "enable"]).applicationData == [0], "none named: every definition")
        #expect(try parser.parse(["ea", "disable", "co2_alarm"]).applicationData == [1, 0x03, 0x01])
        #expect(try parser.parse(["ea", "off"]).messageType == .eventActionDisableFunction)
        #expect(try parser.parse(["ea", "status"]).expectedReply == .eventActionReport)
        for bad in [
            ["pmon"], ["pmon", "add", "1", "nothing", "limit", "1", "2"], ["pmon", "add", "1", "fdir.mode", "limit", "1"],
            ["pmon", "add", "1", "fdir.mode", "delta", "1", "2", "33"], ["pmon", "add", "70000", "fdir.mode", "limit", "1", "2"],
            ["pmon", "modify", "1", "fdir.mode", "limit", "1", "2", "--every", "500"], ["pmon", "add", "1", "fdir.mode", "limit", "1", "2", "--repeat", "0"],
            ["pmon", "add", "1", "fdir.mode", "expect", "300"], ["pmon", "add", "1", "fdir.mode", "spline"], ["pmon", "delete"], ["pmon", "status", "1"],
            ["ea", "add", "co2_alarm"], ["ea", "add", "co2_alarm", "ea", "on"], ["ea", "delete"], ["ea", "add", "no_such_event", "ping"], ["ea", "rewind"],
        ] {
            #expect(throws: CommandError.self, "\(bad)") { try parser.parse(bad) }
        }
    }

    @Test func reportsDecodeIntoLines() throws {
        let mib = try fixtureMIB()
        let definitions = MonitoringReport.definitions([
            MonitoringDefinitionEntry(pmonID: 1, parameterID: 512, enabled: true, repetition: 2, check: .limit(low: 15, lowEvent: 0, high: 95, highEvent: 0x0301)),
            MonitoringDefinitionEntry(pmonID: 9, parameterID: 258, enabled: false, repetition: 3, check: nil),
        ])
        #expect(
            MonitoringListing.lines(definitions, mib: mib) == [
                "PMON 1 on power.battery_soc_pct: enabled, repeat 2, limit 15.0 (-) … 95.0 (co2_alarm)",
                "PMON 9 on dev.cabin-co2.co2_ppm: disabled, repeat 3, staleness",
            ])
        #expect(
            MonitoringListing.lines(.transitions([MonitoringTransition(pmonID: 0x40, previous: 0, current: 4)]), mib: mib) == ["PMON 64: good → high"])
        #expect(
            MonitoringListing.lines(eventActions: [EventActionStatus(eventID: 0x04F0, enabled: true)], mib: mib) == ["0x04f0 (0x04f0): enabled"])
    }
}
