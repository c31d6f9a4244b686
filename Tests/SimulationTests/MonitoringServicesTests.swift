import Assembly
import FlightCore
import Foundation
import HAL
import SpaceLink
import Testing

/// ST[12] and ST[19] as services on the shipped simulated vehicle's assembly: a monitor and an
/// event-action definition added by TC, tripped, reported, and still there after a restart.
@Suite struct MonitoringServicesTests {
    static let epoch: Int64 = 1_800_000_000
    /// `ls.temp_setpoint_c`: a tunable (f32, 16…28 °C, 22 °C at start) the test moves with TC[20,3].
    static let setpoint: UInt16 = 0x0222
    static let pmon: UInt16 = 0x0040
    static let highEvent: UInt16 = 0x04F0

    static func addLimitMonitor(_ harness: ScheduleHarness, interval: UInt16 = 1000, pmon: UInt16 = pmon, parameter: UInt16 = setpoint) -> [UInt8] {
        let definition = MonitoringDefinition(
            pmonID: pmon, parameterID: parameter, intervalMilliseconds: interval, repetition: 2,
            check: .limit(low: 18, lowEvent: 0, high: 25, highEvent: highEvent))
        return harness.telecommand(.monitoringAdd, MonitoringRequest.add(definition).applicationData)
    }

    static func setSetpoint(_ harness: ScheduleHarness, _ value: Float) -> [UInt8] {
        harness.telecommand(.parameterSet, ParameterManagementMessage.set([ParameterAssignment(id: setpoint, value: .f32(value))]).applicationData)
    }

    static func completed(_ harness: ScheduleHarness, _ tc: [UInt8]) -> Bool {
        harness.verification(of: tc).contains { $0.0 == .completionSuccess(RequestID(rawPacket: tc)!) }
    }

    static func report(_ harness: ScheduleHarness, _ type: MessageType) throws -> MonitoringReport? {
        try harness.telemetry.last { $0.messageType == type }.map { try MonitoringReport.decode(type, data: $0.sourceData[...]) }
    }

    @Test func aMonitorAndAnEventActionAddedByTelecommandTripRunAndSurviveARestart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iost-pmon-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try ScheduleHarness(epoch: Self.epoch, stateDirectory: directory)
        first.run(for: .seconds(2))

        // The configured monitors are there, with PMON IDs 1…n, in TM[12,14].
        let statusRequest = first.telecommand(.monitoringReportStatus)
        first.send(statusRequest)
        first.cycle(2)
        guard case .status(let boot) = try #require(try Self.report(first, .monitoringStatusReport)) else { Issue.record("no TM[12,14]"); return }
        let configured = first.assembly.flight.faultManagement.monitors.configurations
        #expect(boot.map(\.pmonID) == configured.indices.map { UInt16($0 + 1) })
        #expect(boot.map(\.enabled) == configured.map(\.enabled))

        // Add the monitor and an event-action definition releasing a ping on its high event.
        let ping = first.ping()
        let add = Self.addLimitMonitor(first)
        let action = first.telecommand(.eventActionAdd, EventActionRequest.add([(Self.highEvent, ping)]).applicationData)
        let enable = first.telecommand(.monitoringEnable, MonitoringRequest.enable([Self.pmon]).applicationData)
        let enableAction = first.telecommand(.eventActionEnable, EventActionRequest.enable([Self.highEvent]).applicationData)
        for tc in [add, action, enable, enableAction] { #expect(first.send(tc) == .accepted(RequestID(rawPacket: tc)!)) }
        first.run(for: .seconds(3))
        for tc in [add, action, enable, enableAction] { #expect(Self.completed(first, tc)) }
        #expect(first.verification(of: ping).isEmpty) // not tripped yet: 22 °C is within 18…25

        // Its definition as TM[12,9] reports it.
        first.send(first.telecommand(.monitoringReportDefinitions, MonitoringRequest.reportDefinitions([Self.pmon]).applicationData))
        first.cycle(2)
        #expect(
            try Self.report(first, .monitoringDefinitionReport)
                == .definitions([
                    MonitoringDefinitionEntry(
                        pmonID: Self.pmon, parameterID: Self.setpoint, enabled: true, repetition: 2,
                        check: .limit(low: 18, lowEvent: 0, high: 25, highEvent: Self.highEvent))
                ]))

        // Trip it: above the high limit for two checks → TM[12,12] good → high, the event, the ping.
        first.clear()
        first.send(Self.setSetpoint(first, 27))
        first.run(for: .seconds(4))
        let transitions = first.telemetry.filter { $0.messageType == .monitoringTransitionReport }
            .compactMap { try? MonitoringReport.decode(.monitoringTransitionReport, data: $0.sourceData[...]) }
        #expect(transitions.contains(.transitions([MonitoringTransition(pmonID: Self.pmon, previous: 0, current: 4)])))
        #expect(!first.events(EventID(Self.highEvent)).isEmpty)
        let released = first.verification(of: ping).map(\.0)
        #expect(released.contains(.acceptanceSuccess(RequestID(rawPacket: ping)!)))
        #expect(first.telemetry.contains { $0.messageType == .areYouAliveReport })
        first.send(first.telecommand(.eventActionReportStatus))
        first.cycle(2)
        let status = try #require(first.telemetry.last { $0.messageType == .eventActionStatusReport })
        let entries = try EventActionStatusReport.decode(status.sourceData[...])
        #expect(entries.contains { $0.eventID == Self.highEvent && $0.enabled })

        // Back to 22 °C, then restart on the same state directory.
        first.send(Self.setSetpoint(first, 22))
        first.run(for: .seconds(3))
        let second = try ScheduleHarness(epoch: Self.epoch + 60, stateDirectory: directory, sequenceStart: 200)
        second.run(for: .seconds(2))
        second.send(second.telecommand(.monitoringReportDefinitions, MonitoringRequest.reportDefinitions([Self.pmon]).applicationData))
        second.send(second.telecommand(.eventActionReportStatus))
        second.cycle(2)
        guard case .definitions(let restored) = try #require(try Self.report(second, .monitoringDefinitionReport)) else {
            Issue.record("no TM[12,9] after the restart")
            return
        }
        #expect(restored.map(\.pmonID) == [Self.pmon])
        #expect(restored.first?.enabled == true)
        let restoredActions = try EventActionStatusReport.decode(try #require(second.telemetry.last { $0.messageType == .eventActionStatusReport }).sourceData[...])
        #expect(restoredActions.contains { $0.eventID == Self.highEvent && $0.enabled })
        // Tripped again after the restart: the restored definition releases the same ping.
        second.clear()
        second.send(Self.setSetpoint(second, 27))
        second.run(for: .seconds(4))
        #expect(second.verification(of: ping).map(\.0).contains(.acceptanceSuccess(RequestID(rawPacket: ping)!)))
    }

    @Test func refusedMonitoringCommandsSayWhy() throws {
        let harness = try ScheduleHarness(epoch: Self.epoch)
        harness.run(for: .seconds(1))
        // Acceptance: an unknown parameter; a repetition of 0; an event outside 0x0480–0x04FF; a trailing octet.
        let unknownParameter = Self.addLimitMonitor(harness, parameter: 0x7FFF)
        #expect(harness.send(unknownParameter) == .rejected(RequestID(rawPacket: unknownParameter)!, FailureNotice(.badArgument, data: [0x7F, 0xFF])))
        let zeroRepetition = harness.telecommand(
            .monitoringAdd,
            MonitoringRequest.add(MonitoringDefinition(pmonID: 9, parameterID: Self.setpoint, intervalMilliseconds: 1000, repetition: 0, check: .limit(low: 1, lowEvent: 0, high: 2, highEvent: 0)))
                .applicationData)
        #expect(harness.send(zeroRepetition) == .rejected(RequestID(rawPacket: zeroRepetition)!, FailureNotice(.badArgument, data: [0, 9])))
        let foreignEvent = harness.telecommand(
            .monitoringAdd,
            MonitoringRequest.add(
                MonitoringDefinition(pmonID: 9, parameterID: Self.setpoint, intervalMilliseconds: 1000, repetition: 1, check: .limit(low: 1, lowEvent: 0x0501, high: 2, highEvent: 0))
            )
            .applicationData)
        #expect(harness.send(foreignEvent) == .rejected(RequestID(rawPacket: foreignEvent)!, FailureNotice(.badArgument, data: [0x05, 0x01])))
        let trailing = harness.telecommand(.monitoringEnable, [1, 0, 1, 0xFF])
        #expect(harness.send(trailing) == .rejected(RequestID(rawPacket: trailing)!, FailureNotice(.badArgument)))
        // N = 0 selects nothing to enable or delete (only TC[19,4]/[19,5] read it as "all").
        for tc in [harness.telecommand(.monitoringEnable, [0]), harness.telecommand(.monitoringDelete, [0]), harness.telecommand(.eventActionDelete, [0])] {
            #expect(harness.send(tc) == .rejected(RequestID(rawPacket: tc)!, FailureNotice(.badArgument)))
        }

        // Completion: a PMON ID in use (1 is the first configured monitor); an interval no group
        // has; deleting an enabled monitor; an unknown PMON ID; an event-action on an event that has one.
        let duplicate = Self.addLimitMonitor(harness, pmon: 1)
        let badInterval = Self.addLimitMonitor(harness, interval: 300, pmon: 0x41)
        let deleteEnabled = harness.telecommand(.monitoringDelete, MonitoringRequest.delete([1]).applicationData)
        let unknown = harness.telecommand(.monitoringDisable, MonitoringRequest.disable([0x0777]).applicationData)
        let first = harness.telecommand(.eventActionAdd, EventActionRequest.add([(0x04F1, harness.ping())]).applicationData)
        let again = harness.telecommand(.eventActionAdd, EventActionRequest.add([(0x04F1, harness.ping())]).applicationData)
        for tc in [duplicate, badInterval, deleteEnabled, unknown, first, again] { harness.send(tc) }
        harness.run(for: .seconds(1))
        func failure(_ tc: [UInt8]) -> FailureNotice? {
            for (report, _) in harness.verification(of: tc) {
                if case .completionFailure(_, let notice) = report { return notice }
            }
            return nil
        }
        #expect(failure(duplicate) == FailureNotice(.executionFailed, data: [0, 1]))
        #expect(failure(badInterval) == FailureNotice(.executionFailed, data: [0, 0x41]))
        #expect(failure(deleteEnabled) == FailureNotice(.executionFailed, data: [0, 1]))
        #expect(failure(unknown) == FailureNotice(.executionFailed, data: [0x07, 0x77]))
        #expect(failure(first) == nil && Self.completed(harness, first))
        #expect(failure(again) == FailureNotice(.executionFailed, data: [0x04, 0xF1]))
    }

    @Test func aDeltaMonitorAveragesConsecutiveChanges() throws {
        // TC[12,5] check type 2: the mean of 2 changes per check above 1.5 °C trips it high.
        let harness = try ScheduleHarness(epoch: Self.epoch)
        harness.run(for: .seconds(1))
        let definition = MonitoringDefinition(
            pmonID: 0x50, parameterID: Self.setpoint, intervalMilliseconds: 1000, repetition: 1,
            check: .delta(low: -1.5, lowEvent: 0, high: 1.5, highEvent: 0, consecutiveDeltas: 2))
        harness.send(harness.telecommand(.monitoringAdd, MonitoringRequest.add(definition).applicationData))
        harness.send(harness.telecommand(.monitoringEnable, MonitoringRequest.enable([0x50]).applicationData))
        harness.run(for: .seconds(4))
        let slot = try #require(harness.assembly.flight.faultManagement.monitors.index(pmonID: 0x50))
        #expect(harness.assembly.flight.faultManagement.monitors.state(slot) == .nominal)
        // +2 °C per second for two seconds: deltas 0, +2 (mean 1, nominal), then +2, +2 (mean 2, high).
        var states: [MonitorState] = []
        for value: Float in [24, 26] {
            harness.send(Self.setSetpoint(harness, value))
            harness.run(for: .seconds(1))
            states.append(harness.assembly.flight.faultManagement.monitors.state(slot))
        }
        #expect(states == [.nominal, .alarmHigh])
        // Held at 26 °C: deltas +2, 0 (mean 1) bring it back.
        harness.run(for: .seconds(1))
        #expect(harness.assembly.flight.faultManagement.monitors.state(slot) == .nominal)
    }
}
