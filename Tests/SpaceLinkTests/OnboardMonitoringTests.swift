import Testing

@testable import SpaceLink

/// ST[12] and ST[19] octets as Yamcs's PUS example mission database lays them out (pus12.xml,
/// pus19.xml): big-endian, IEEE 754 f32 limits, N as one octet.
@Suite struct OnboardMonitoringTests {
    @Test func addAndModifyALimitCheck() throws {
        let definition = MonitoringDefinition(
            pmonID: 0x0040, parameterID: 0x0222, intervalMilliseconds: 1000, repetition: 2,
            check: .limit(low: 16, lowEvent: 0x04F0, high: 28, highEvent: 0x04F1))
        let add: [UInt8] = [0x00, 0x40, 0x02, 0x22, 0x03, 0xE8, 0x02, 0x01, 0x41, 0x80, 0x00, 0x00, 0x04, 0xF0, 0x41, 0xE0, 0x00, 0x00, 0x04, 0xF1]
        #expect(MonitoringRequest.add(definition).applicationData == add)
        #expect(try MonitoringRequest.decode(.monitoringAdd, data: add[...]) == .add(definition))
        // TC[12,7] has no interval.
        let modify = Array(add[0..<4] + add[6...])
        var modified = definition
        modified.intervalMilliseconds = 0
        #expect(MonitoringRequest.modify(modified).applicationData == modify)
        #expect(try MonitoringRequest.decode(.monitoringModify, data: modify[...]) == .modify(modified))
    }

    @Test func expectedValueAndDeltaChecks() throws {
        let expected = MonitoringDefinition(
            pmonID: 4, parameterID: 0x0101, intervalMilliseconds: 500, repetition: 1, check: .expectedValue(mask: 0x0F, expected: 0x03, event: 0x0481))
        #expect(MonitoringRequest.add(expected).applicationData == [0x00, 0x04, 0x01, 0x01, 0x01, 0xF4, 0x01, 0x00, 0x0F, 0x03, 0x04, 0x81])
        let delta = MonitoringDefinition(
            pmonID: 3, parameterID: 0x0301, intervalMilliseconds: 1000, repetition: 3,
            check: .delta(low: -0.5, lowEvent: 0, high: 0.5, highEvent: 0, consecutiveDeltas: 4))
        let octets: [UInt8] = [0x00, 0x03, 0x03, 0x01, 0x03, 0xE8, 0x03, 0x02, 0xBF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04]
        #expect(MonitoringRequest.add(delta).applicationData == octets)
        #expect(try MonitoringRequest.decode(.monitoringAdd, data: octets[...]) == .add(delta))
    }

    @Test func malformedRequestsAreTypedErrors() {
        #expect(throws: ServiceDataError.trailingOctets(1)) { try MonitoringRequest.decode(.monitoringEnable, data: [1, 0, 1, 0xFF][...]) }
        #expect(throws: ServiceDataError.truncated(needed: 5, available: 3)) { try MonitoringRequest.decode(.monitoringDisable, data: [2, 0, 1][...]) }
        #expect(throws: ServiceDataError.unknownTypeTag(7)) { try MonitoringRequest.decode(.monitoringAdd, data: [0, 1, 0, 1, 0x03, 0xE8, 1, 7][...]) }
        #expect(throws: ServiceDataError.wrongMessageType(.eventActionAdd)) { try MonitoringRequest.decode(.eventActionAdd, data: [][...]) }
        // Every truncation of a valid TC[12,5] is an error, never a shorter definition.
        let add = MonitoringRequest.add(
            MonitoringDefinition(pmonID: 1, parameterID: 2, intervalMilliseconds: 1000, repetition: 1, check: .delta(low: 0, lowEvent: 0, high: 1, highEvent: 0, consecutiveDeltas: 2))
        ).applicationData
        for length in 0..<add.count {
            #expect(throws: ServiceDataError.self) { try MonitoringRequest.decode(.monitoringAdd, data: add[0..<length]) }
        }
    }

    @Test func definitionTransitionAndStatusReports() throws {
        // Two TM[12,9] entries: a limit check, then a staleness monitor (check type 3, no criteria).
        let data: [UInt8] = [0x02, 0x00, 0x01, 0x02, 0x22, 0x01, 0x02, 0x01, 0x41, 0x80, 0x00, 0x00, 0x00, 0x00, 0x41, 0xE0, 0x00, 0x00, 0x04, 0xF1, 0x00, 0x09, 0x01, 0x05, 0x00, 0x03, 0x03]
        let report = try MonitoringReport.decode(.monitoringDefinitionReport, data: data[...])
        #expect(
            report
                == .definitions([
                    MonitoringDefinitionEntry(pmonID: 1, parameterID: 0x0222, enabled: true, repetition: 2, check: .limit(low: 16, lowEvent: 0, high: 28, highEvent: 0x04F1)),
                    MonitoringDefinitionEntry(pmonID: 9, parameterID: 0x0105, enabled: false, repetition: 3, check: nil),
                ]))
        #expect(MonitoringDefinitionEntry(pmonID: 9, parameterID: 0x0105, enabled: false, repetition: 3, check: nil).encoded == Array(data[20...]))
        #expect(
            try MonitoringReport.decode(.monitoringTransitionReport, data: [0x01, 0x00, 0x40, 0x00, 0x04][...])
                == .transitions([MonitoringTransition(pmonID: 0x40, previous: 0, current: 4)]))
        #expect(try MonitoringReport.decode(.monitoringStatusReport, data: [0x02, 0x00, 0x01, 0x01, 0x00, 0x40, 0x00][...]) == .status([(1, true), (0x40, false)]))
        #expect(throws: ServiceDataError.self) { try MonitoringReport.decode(.monitoringStatusReport, data: [0x02, 0x00, 0x01, 0x01][...]) }
    }

    @Test func eventActionDefinitionsCarryWholePackets() throws {
        // A TC space packet of 11 octets: the data length field (4) says 5 octets follow the header.
        let packet: [UInt8] = [0x18, 0x21, 0xC0, 0x00, 0x00, 0x04, 0x2F, 0x11, 0x01, 0x00, 0x00]
        let add = EventActionRequest.add([(0x04F0, packet), (0x0481, packet)]).applicationData
        #expect(add == [0x02, 0x04, 0xF0] + packet + [0x04, 0x81] + packet)
        guard case .add(let definitions) = try EventActionRequest.decode(.eventActionAdd, data: add[...]) else {
            Issue.record("not an add")
            return
        }
        #expect(definitions.map(\.eventID) == [0x04F0, 0x0481] && definitions.allSatisfy { $0.packet == packet })
        // A packet cut short, or a definition missing, is an error.
        #expect(throws: ServiceDataError.self) { try EventActionRequest.decode(.eventActionAdd, data: add.dropLast()) }
        #expect(throws: ServiceDataError.self) { try EventActionRequest.decode(.eventActionAdd, data: [0x02, 0x04, 0xF0] + packet[...]) }
        #expect(EventActionRequest.enable([]).applicationData == [0x00])
        #expect(EventActionRequest.delete([0x04F0]).applicationData == [0x01, 0x04, 0xF0])
        #expect(try EventActionStatusReport.decode([0x01, 0x04, 0xF0, 0x01][...]).map { [$0.eventID, $0.enabled ? 1 : 0] } == [[0x04F0, 1]])
    }
}
