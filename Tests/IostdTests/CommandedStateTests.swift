import Foundation
import HAL
import Link
import PeerSupport
import SpaceLink
import Testing

/// Commanded changes survive a restart: a tunable set by TC[20,3], a housekeeping structure
/// disabled by TC[3,6] and an event report disabled by TC[5,6] are still in force in the next run.
@Suite(.serialized) struct CommandedStateTests {
    typealias RunningDaemon = DaemonEndToEndTests.RunningDaemon

    static func structure(_ tm: PUSTelemetry) -> UInt32? {
        guard tm.messageType == MessageType(3, 25), tm.sourceData.count >= 4 else { return nil }
        return tm.sourceData.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    @Test func aTunableAStructureAndAnEventFilterAreRestoredAfterARestart() throws {
        let state = PeerEnvironment.scratchStateDirectory()
        defer { PeerEnvironment.removeStateDirectory(state) }
        let setpoint = ParameterAssignment(id: 546, value: .f32(24.5)) // ls.temp_setpoint_c
        do {
            let daemon = try RunningDaemon(arguments: ["--state-dir", state, "--duration", "60s"])
            try daemon.listen(for: .seconds(2))
            let set = try daemon.send(.parameterSet, ParameterManagementMessage.set([setpoint]).applicationData)
            let disable = try daemon.send(.housekeepingDisablePeriodic, HousekeepingRequest.disablePeriodic([3]).applicationData)
            let silence = try daemon.send(.eventDisable, EventReportingRequest.disable([0x0900]).applicationData)
            try daemon.listen(for: .seconds(5)) { _ in
                [set, disable, silence].allSatisfy { daemon.reports(for: $0).contains(.completionSuccess($0)) }
            }
            for request in [set, disable, silence] { #expect(daemon.reports(for: request).contains(.completionSuccess(request))) }
            daemon.process.terminate()
            #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
        }
        let daemon = try RunningDaemon(arguments: ["--state-dir", state, "--duration", "60s"])
        try daemon.listen(for: .seconds(6))
        let read = try daemon.send(.parameterReportRequest, ParameterManagementMessage.reportRequest([546]).applicationData)
        try daemon.listen(for: .seconds(5)) { telemetry in telemetry.contains { $0.messageType == .parameterReport } }
        #expect(daemon.reports(for: read).contains(.completionSuccess(read)))
        let report = try #require(daemon.telemetry.last { $0.messageType == .parameterReport })
        #expect(try ParameterManagementMessage.decode(.parameterReport, data: report.sourceData[...]) == .report([setpoint]))
        #expect(!daemon.telemetry.contains { Self.structure($0) == 3 }, "attitude HK still disabled")
        #expect(daemon.telemetry.contains { Self.structure($0) == 1 }, "other HK as usual")
        #expect(!daemon.telemetry.contains { $0.messageType.service == 5 && $0.sourceData.prefix(2) == [0x09, 0x00] }, "store_recovered still disabled")
        #expect(daemon.telemetry.contains { $0.messageType.service == 5 && $0.sourceData.prefix(2) == [0x0C, 0x20] }, "commanded_state_restored")
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }
}
