import FlightCore
import HAL
import Simulation
import SpaceLink
import Testing

/// Service 1 and 17 on the shipped simulated vehicle: acceptance, start and completion reports,
/// every acceptance failure code, the queue-full case.
@Suite struct ServicesVerificationTests {
    /// TC[17,1] seq 5 and TM[1,1] seq 4 from /work/shared/notes/pus-vectors.md (cross-checked
    /// with spacepackets and puslib): APID 0x123, flags 0b1111, time 2114380800.5 s TAI.
    static let areYouAliveVector = "1923c00500062f11010000616d"
    static let acceptanceVector = "0923c0040013200101000000001e7e06e40080001923c005d808"

    @Test func areYouAliveIsAcceptedStartedAnsweredAndCompleted() throws {
        let harness = try ServicesHarness()
        // Four rejected TCs take sequence counts 0…3, so the acceptance report gets count 4 and
        // is the first TM[1,1] (message type counter 0), as in the vector.
        for _ in 0..<4 {
            var bad = hex(Self.areYouAliveVector)
            bad[bad.count - 1] ^= 0xFF
            harness.services.acceptTelecommand(bad, now: MonotonicInstant(nanoseconds: 500_000_000))
        }
        let tc = hex(Self.areYouAliveVector)
        let verdict = harness.services.acceptTelecommand(tc, now: MonotonicInstant(nanoseconds: 500_000_000))
        #expect(verdict == .accepted(RequestID(packetID: 0x1923, sequenceControl: 0xC005)))
        harness.pump()
        #expect(harness.packets.count == 5)
        #expect(harness.packets.prefix(4).allSatisfy { $0.messageType == MessageType(1, 2) && $0.priority == .high })
        #expect(hexString(harness.packets[4].bytes) == Self.acceptanceVector)

        harness.runCycles(1)
        let request = RequestID(packetID: 0x1923, sequenceControl: 0xC005)
        let ownReports = harness.telemetry.filter { [1, 17].contains($0.messageType.service) }.dropFirst(5)
        #expect(ownReports.map(\.messageType) == [MessageType(1, 3), MessageType(17, 2), MessageType(1, 7)])
        // (The four rejected copies carry the same request ID.)
        #expect(harness.verification(of: request).dropFirst(4) == [.acceptanceSuccess(request), .startSuccess(request), .completionSuccess(request)])
        let answer = try #require(harness.reports(.areYouAliveReport).first)
        #expect(answer.sourceData.isEmpty)
        #expect(answer.time == CUCTime(coarse: 2_114_380_800, fine: 0)) // applied at the first cycle, t = 0
        // Sequence counts run on without gaps over every packet of the APID.
        #expect(harness.telemetry.map(\.sequenceCount) == Array(0..<UInt16(harness.telemetry.count)))
    }

    @Test func acknowledgementFlagsSelectTheSuccessReports() throws {
        let harness = try ServicesHarness()
        let silent = harness.telecommand(.areYouAlive, flags: [])
        let startOnly = harness.telecommand(.areYouAlive, flags: [.start])
        harness.send(silent)
        harness.send(startOnly)
        harness.runCycles(1)
        #expect(harness.verification(of: .of(silent)).isEmpty)
        #expect(harness.verification(of: .of(startOnly)) == [.startSuccess(.of(startOnly))])
        #expect(harness.reports(.areYouAliveReport).count == 2)
    }

    @Test func everyAcceptanceCheckReportsItsCode() throws {
        let harness = try ServicesHarness()
        var badCRC = harness.telecommand(.areYouAlive)
        badCRC[badCRC.count - 2] ^= 0x01
        let wrongAPID = PUSTelecommand(apid: 0x124, sequenceCount: 40, messageType: .areYouAlive).encoded
        var badLength = harness.telecommand(.areYouAlive)
        badLength.removeLast()
        let longer = harness.telecommand(.areYouAlive) + [0x00]
        let unknownSubtype = harness.telecommand(MessageType(17, 3))
        let unknownService = harness.telecommand(MessageType(99, 1))
        let dataOnAreYouAlive = harness.telecommand(.areYouAlive, [0x01])
        let telemetryPacket = PUSTelemetry(apid: 0x123, sequenceCount: 1, messageType: .areYouAliveReport, time: CUCTime(coarse: 0, fine: 0)).encoded()
        // TC[8,1] seq 6 from pus-vectors.md: function 0x0042, which this vehicle does not have.
        let unknownFunction = hex("1923c00600092f08010000004200469a")

        let expected: [([UInt8], VerificationFailureCode, [UInt8])] = [
            (badCRC, .badCRC, []),
            (wrongAPID, .badAPID, []),
            (badLength, .badLength, []),
            (longer, .badLength, []),
            (unknownSubtype, .unknownMessageType, []),
            (unknownService, .unknownMessageType, []),
            (dataOnAreYouAlive, .badArgument, []),
            (telemetryPacket, .badHeader, []),
            (unknownFunction, .badArgument, [0x00, 0x42]),
        ]
        for (packet, code, data) in expected {
            let verdict = harness.send(packet)
            #expect(verdict == .rejected(.of(packet), FailureNotice(code, data: data)), "\(code)")
        }
        #expect(harness.send([0x19, 0x23]) == .rejected(nil, FailureNotice(.badLength)))
        harness.pump()
        let failures = harness.reports(MessageType(1, 2)).compactMap { try? VerificationReport.decode($0.messageType, sourceData: $0.sourceData[...]) }
        #expect(failures == expected.map { .acceptanceFailure(.of($0.0), FailureNotice($0.1, data: $0.2)) })
        // Nothing was queued, so nothing runs.
        harness.runCycles(1)
        #expect(harness.telemetry.filter { [3, 4, 7, 8].contains($0.messageType.subtype) && $0.messageType.service == 1 }.isEmpty)
    }

    @Test func aFullCommandQueueRejectsWithQueueFull() throws {
        let harness = try ServicesHarness(extra: "\n[telemetry]\ncommand_queue = 2\n")
        let packets = (0..<3).map { _ in harness.telecommand(.areYouAlive) }
        #expect(harness.send(packets[0]) == .accepted(.of(packets[0])))
        #expect(harness.send(packets[1]) == .accepted(.of(packets[1])))
        #expect(harness.send(packets[2]) == .rejected(.of(packets[2]), FailureNotice(.queueFull)))
        harness.runCycles(1)
        #expect(harness.verification(of: .of(packets[2])) == [.acceptanceFailure(.of(packets[2]), FailureNotice(.queueFull))])
        #expect(harness.verification(of: .of(packets[1])).last == .completionSuccess(.of(packets[1])))
        // The queue drained: a new TC is accepted again.
        let again = harness.telecommand(.areYouAlive)
        #expect(harness.send(again) == .accepted(.of(again)))
    }

    @Test func commandCountersReachThePool() throws {
        let harness = try ServicesHarness()
        harness.send(harness.telecommand(.areYouAlive))
        harness.send(harness.telecommand(MessageType(17, 9)))
        harness.send(
            harness.telecommand(
                .performFunction,
                FunctionRequest(
                    functionID: FunctionCatalog.setMode,
                    arguments: [
                        FunctionArgument(id: 1, value: .u8(VehicleMode.nominal.rawValue))
                    ]
                ).applicationData))
        harness.run(for: .seconds(1))
        #expect(harness.value("tc.accepted") == 2)
        #expect(harness.value("tc.rejected") == 1)
        #expect(harness.value("tc.executed") == 1)
        #expect(harness.value("tc.failed") == 1)
        #expect(harness.value("tm.records_dropped") == 0)
    }
}
