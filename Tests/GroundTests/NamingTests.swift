import Foundation
import SpaceLink
import Testing
@testable import Ground

/// Events and failure data named from the mission database; FARM-1 control outcomes.
@Suite struct NamingTests {
    /// A small database in the flight side's layout with the members the names come from.
    static let text = """
        {"schema": "iost-mission-database", "apid": 291, "spacecraft_id": 42,
         "modes": [{"value": 0, "name": "BOOT"}, {"value": 1, "name": "NOMINAL"}, {"value": 3, "name": "SAFE"}],
         "mode_reasons": [{"value": 5, "name": "battery_critical"}, {"value": 14, "name": "command"}],
         "monitor_states": [{"value": 1, "name": "nominal"}, {"value": 5, "name": "alarm_high"}],
         "failure_codes": [{"code": 7, "name": "execution_failed"}, {"code": 8, "name": "not_allowed_in_mode"}, {"code": 12, "name": "constraint_violated"}],
         "parameters": [{"id": 544, "name": "ls.ppo2_low_kpa", "type": "f32"}, {"id": 545, "name": "ls.ppo2_high_kpa", "type": "f32"}],
         "housekeeping": [],
         "monitors": [{"index": 0, "name": "ppo2", "parameter": "ls.ppo2_kpa"}, {"index": 1, "name": "co2", "parameter": "dev.cabin-co2.co2_ppm"}],
         "events": [
           {"id": 1283, "name": "mode_safe", "severity": "medium", "subtype": 3,
            "arguments": ["from mode", "to mode", "reason", "detail"], "argument_kinds": ["mode", "mode", "mode_reason", null]},
           {"id": 1027, "name": "monitor_alarm", "severity": "high", "subtype": 4,
            "arguments": ["monitor index", "value", "limit", "new state"], "argument_kinds": ["monitor", null, null, "monitor_state"]}
         ]}
        """

    func mib() throws -> MissionInformationBase { try MissionInformationBase(json: Data(Self.text.utf8)) }

    func event(_ id: UInt16, _ values: [Double], mib: MissionInformationBase) -> DecodedEvent {
        var aux: [UInt8] = [UInt8(values.count)]
        for value in values { aux += ParameterValue.f64(value).packed }
        return DownlinkDecoder.event(EventReport(severity: .medium, eventID: id, auxiliaryData: aux), mib: mib)
    }

    @Test func eventArgumentsAreShownWithTheirNames() throws {
        let mib = try mib()
        let board = StatusBoard(colour: false)
        let mode = event(1283, [1, 3, 5, 17], mib: mib)
        #expect(mode.valueNames == ["NOMINAL", "SAFE", "battery_critical", nil])
        let line = board.eventLine(EventEntry(time: CUCTime(coarse: 2_114_380_800, fine: 0), event: mode))
        #expect(line.hasSuffix("EVENT medium mode_safe from mode=NOMINAL, to mode=SAFE, reason=battery_critical, detail=17"), "\(line)")
        let monitor = event(1027, [1, 12000, 10000, 5], mib: mib)
        let text = board.eventText(EventEntry(time: CUCTime(coarse: 2_114_380_800, fine: 0), event: monitor))
        #expect(text.hasSuffix("monitor index=co2, value=12000, limit=10000, new state=alarm_high"), "\(text)")
        // An index the database does not know stays a number.
        #expect(event(1027, [7, 1, 1, 99], mib: mib).valueNames == [nil, nil, nil, nil])
    }

    @Test func failureDataIsShownWithNames() throws {
        let mib = try mib()
        let refused = VerificationOutcome(.completionFailure(RequestID(packetID: 0x1923, sequenceControl: 0xC001), FailureNotice(.notAllowedInMode, data: [3, 2, 5])), mib: mib)
        #expect(refused.description == "failed: not_allowed_in_mode (8) at completion: in SAFE, a condition of the current mode persists (reason battery_critical)")
        let constraint = VerificationOutcome(.startFailure(RequestID(packetID: 0x1923, sequenceControl: 0xC002), FailureNotice(.constraintViolated, data: [0x02, 0x20, 0x02, 0x21])), mib: mib)
        #expect(constraint.description == "failed: constraint_violated (12) at start: ls.ppo2_low_kpa must stay below ls.ppo2_high_kpa; nothing was set")
        // Data the database cannot name stays hex.
        let other = VerificationOutcome(.completionFailure(RequestID(packetID: 0x1923, sequenceControl: 0xC003), FailureNotice(.executionFailed, data: [0, 4])), mib: mib)
        #expect(other.description == "failed: execution_failed (7) at completion, failure data 0x0004")
    }

    @Test func farmControlOutcomesFromTheCLCW() {
        let locked = CLCW(virtualChannel: 0, lockout: true, farmBCounter: 1, reportValue: 9)
        #expect(FARMControl.shows(.unlock, locked, farmBBefore: 0) == nil)
        #expect(FARMControl.shows(.unlock, CLCW(virtualChannel: 0, farmBCounter: 2, reportValue: 9), farmBBefore: 1) == .confirmed(CLCW(virtualChannel: 0, farmBCounter: 2, reportValue: 9)))
        #expect(FARMControl.shows(.setVR(7), CLCW(virtualChannel: 0, reportValue: 7), farmBBefore: 0) == .confirmed(CLCW(virtualChannel: 0, reportValue: 7)))
        #expect(FARMControl.shows(.setVR(7), CLCW(virtualChannel: 0, reportValue: 6), farmBBefore: 0) == nil)
        #expect(
            FARMControl.shows(.setVR(7), CLCW(virtualChannel: 0, lockout: true, farmBCounter: 2, reportValue: 9), farmBBefore: 1)
                == .lockedOut(CLCW(virtualChannel: 0, lockout: true, farmBCounter: 2, reportValue: 9)))
        #expect(FARMControlResult.lockedOut(locked).exitCode == 3 && FARMControlResult.timedOut(last: nil).exitCode == 2)
    }
}
