import FlightCore
import Foundation
import HAL
import Simulation
import SpaceLink
import Testing

/// The three-thread model for real: the executive on its own thread (on the simulated clock, as
/// fast as it goes), a link thread sending telecommands, this thread pumping telemetry.
@Suite struct ServicesThreadingTests {
    @Test func reportsKeepTheirOrderAcrossThreads() throws {
        // No housekeeping: on the simulated clock the executive runs hundreds of simulated
        // seconds per wall-clock second, which would fill the report ring with snapshots.
        let harness = try ServicesHarness(extra: "")
        let services = harness.services
        let clock = harness.simulation.clock
        let count = 300
        let packets: [[UInt8]] = (1...count).map {
            PUSTelecommand(apid: 0x123, sequenceCount: UInt16($0), messageType: .areYouAlive).encoded
        }
        try harness.topology.executive.start()
        let verdicts = LockedValue<[TelecommandVerdict]>([])
        let link = Thread {
            for (index, packet) in packets.enumerated() {
                let verdict = services.acceptTelecommand(packet, now: clock.now)
                verdicts.withLock { $0.append(verdict) }
                if index % 5 == 0 { usleep(100) }
            }
        }
        link.start()

        // Every TC ends in TM[1,7] (run), TM[1,2] (refused: queue full) or nothing (dropped).
        var telemetry: [TelemetryPacket] = []
        var finished = 0
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let batch = services.pump()
            telemetry += batch
            finished += batch.filter { $0.messageType == MessageType(1, 7) || $0.messageType == MessageType(1, 2) }.count
            let results = verdicts.current
            let dropped = results.filter { if case .dropped = $0 { return true } else { return false } }.count
            if results.count == count && finished == count - dropped { break }
            usleep(500)
        }
        #expect(harness.topology.executive.stop(timeout: .seconds(5)))
        telemetry += services.pump()

        let results = verdicts.current
        #expect(results.count == count)
        let accepted = results.filter { if case .accepted = $0 { return true } else { return false } }.count
        #expect(accepted > 0)
        #expect(harness.topology.executive.commandsApplied == UInt64(accepted))

        let decoded = telemetry.compactMap { try? PUSTelemetry.decode($0.bytes, expectedAPID: 0x123) }
        #expect(decoded.count == telemetry.count)
        #expect(decoded.map(\.sequenceCount) == (0..<decoded.count).map { UInt16($0 & 0x3FFF) })
        var stages: [RequestID: [UInt8]] = [:]
        for packet in decoded where packet.messageType.service == 1 {
            let report = try VerificationReport.decode(packet.messageType, sourceData: packet.sourceData[...])
            stages[report.requestID, default: []].append(packet.messageType.subtype)
        }
        for (packet, verdict) in zip(packets, results) {
            let seen = stages[.of(packet)] ?? []
            switch verdict {
            case .accepted: #expect(seen == [1, 3, 7], "\(RequestID.of(packet))")
            case .rejected(_, let notice):
                #expect(notice == FailureNotice(.queueFull))
                #expect(seen == [2])
            case .dropped: #expect(seen.isEmpty)
            }
        }
        #expect(decoded.filter { $0.messageType == .areYouAliveReport }.count == accepted)
    }
}
