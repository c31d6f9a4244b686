import FlightCore
import Foundation
import HAL
import Link
import Simulation
import SpaceLink
import Testing

/// The services behind the real uplink and downlink policies, on the simulated clock: what the
/// ground receives on the wire.
@Suite struct ServicesLinkTests {
    /// The services, an uplink (frame checks, FARM-1 with the services' flow control) and the
    /// downlink scheduler fed through a backlog, stepped 10 ms at a time.
    final class LinkedVehicle {
        let harness: ServicesHarness
        let uplink: Uplink
        let clcw = CLCWReport(virtualChannels: [0])
        var scheduler: DownlinkScheduler
        var backlog = DownlinkBacklog()
        var decoder = TMFrameDecoder(configuration: TMFrameConfiguration(spacecraftID: 42))
        private(set) var wire: [PUSTelemetry] = []
        private(set) var undecodable = 0

        init(extra: String = proposedHousekeeping, bitRate: Int = 64_000, farmWindowWidth: Int = 10) throws {
            harness = try ServicesHarness(extra: extra)
            let services = harness.services
            let clock = harness.simulation.clock
            uplink = Uplink(
                configuration: UplinkConfiguration(frame: TCFrameConfiguration(spacecraftID: 42), farmWindowWidth: farmWindowWidth), clcw: clcw,
                bufferAvailable: { services.hasRoomForTelecommand },
                handler: { packet in _ = services.acceptTelecommand(packet.bytes, now: clock.now) }
            )
            scheduler = DownlinkScheduler(configuration: DownlinkConfiguration(frame: TMFrameConfiguration(spacecraftID: 42), bitRate: bitRate), clcw: clcw)
        }

        var services: SpaceServices { harness.services }
        var now: MonotonicInstant { harness.now }

        /// One TC frame up, received now.
        @discardableResult
        func uplinkFrame(_ frame: TCFrame) -> UplinkDisposition { uplink.receive(datagram: frame.encoded[...]) }

        /// Runs `duration` in 10 ms steps: the executive, then the telemetry thread's work
        /// (services → backlog → downlink, FARM buffer release), then the frames due.
        func run(for duration: Duration, until done: (() -> Bool)? = nil, everyStep: (() -> Void)? = nil) {
            let end = now.advanced(by: duration)
            while now < end {
                if let done, done() { return }
                everyStep?()
                harness.simulation.run(until: now.advanced(by: .milliseconds(10)))
                let services = self.services
                backlog.forward(to: &scheduler) { limit in
                    services.pump(limit: limit).map { OutgoingPacket(bytes: $0.bytes, priority: $0.priority == .high ? .event : .housekeeping) }
                }
                if services.hasRoomForTelecommand { uplink.releaseBuffer() }
                for frame in scheduler.pump(now: now) {
                    for packet in decoder.receive(frame) {
                        if let tm = try? PUSTelemetry.decode(packet, expectedAPID: 0x123) { wire.append(tm) } else { undecodable += 1 }
                    }
                }
            }
        }

        func verification(of request: RequestID) -> [VerificationReport] {
            wire.filter { $0.messageType.service == 1 }
                .compactMap { try? VerificationReport.decode($0.messageType, sourceData: $0.sourceData[...]) }
                .filter { $0.requestID == request }
        }

        func housekeeping(structure id: UInt32) -> [PUSTelemetry] {
            wire.filter { $0.messageType == .housekeepingReport && (try? HousekeepingReport.structureID(of: $0.sourceData[...])) == id }
        }
    }

    @Test func eachPuslibAcknowledgementFlagAloneAsksForItsReportOnly() throws {
        // TC[17,1] built by puslib 0.4 with AckFlag.ACCEPTANCE, START_OF_EXECUTION, PROGRESS,
        // COMPLETION alone (sequence counts 21, 22, 24, 28): see AcknowledgementFlagTests.
        let harness = try ServicesHarness()
        let vectors = ["1923c015000621110100009371", "1923c01600062211010000b5d6", "1923c01800062411010000e642", "1923c01c000628110100006204"]
        for vector in vectors { #expect(harness.send(hex(vector)) == .accepted(.of(hex(vector)))) }
        harness.runCycles(1)
        let requests = vectors.map { RequestID.of(hex($0)) }
        #expect(harness.verification(of: requests[0]) == [.acceptanceSuccess(requests[0])])
        #expect(harness.verification(of: requests[1]) == [.startSuccess(requests[1])])
        #expect(harness.verification(of: requests[2]).isEmpty) // progress reports are not used
        #expect(harness.verification(of: requests[3]) == [.completionSuccess(requests[3])])
        #expect(harness.reports(.areYouAliveReport).count == 4)
    }

    @Test func reportsReachTheWireInTheirDocumentedOrderWithConsecutiveCounts() throws {
        let vehicle = try LinkedVehicle()
        vehicle.run(for: .seconds(3)) // periodic housekeeping queued and on its way
        let oneShot = vehicle.harness.telecommand(.housekeepingOneShot, HousekeepingRequest.generateOneShot([1]).applicationData)
        let ping = vehicle.harness.telecommand(.areYouAlive)
        #expect(vehicle.uplinkFrame(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: oneShot + ping)) == .accepted(packets: 2))
        vehicle.run(for: .seconds(5))
        #expect(vehicle.undecodable == 0)
        // TC[3,27]: TM[1,1], TM[1,3], TM[3,25], TM[1,7], in this order on the wire.
        let request = RequestID.of(oneShot)
        let ofOneShot = vehicle.wire.enumerated().filter { _, tm in
            if tm.messageType.service == 1 { return (try? VerificationReport.decode(tm.messageType, sourceData: tm.sourceData[...]))?.requestID == request }
            return false
        }.map(\.offset)
        #expect(ofOneShot.count == 3)
        let completion = try #require(ofOneShot.last)
        let report = try #require(
            vehicle.wire.indices.first { index in
                index > ofOneShot[1] && vehicle.wire[index].messageType == .housekeepingReport
                    && (try? HousekeepingReport.structureID(of: vehicle.wire[index].sourceData[...])) == 1
            })
        #expect(report < completion, "the TM[3,25] of TC[3,27] must come before its TM[1,7]")
        #expect(vehicle.verification(of: .of(ping)).map(\.messageType) == [MessageType(1, 1), MessageType(1, 3), MessageType(1, 7)])
        // Per APID, the wire's sequence counts are 0, 1, 2, … with housekeeping, events and
        // verification reports interleaved by priority.
        #expect(vehicle.wire.count > 20)
        #expect(vehicle.wire.map(\.sequenceCount) == (0..<vehicle.wire.count).map { UInt16($0 & 0x3FFF) })
    }

    @Test func aWrongLengthFieldInsideAValidFrameGetsBadLength() throws {
        let vehicle = try LinkedVehicle()
        var longer = vehicle.harness.telecommand(.areYouAlive)
        longer[5] &+= 4 // declares 4 octets more than the frame carries
        var shorter = vehicle.harness.telecommand(.areYouAlive)
        shorter[5] &-= 3
        for packet in [longer, shorter] {
            if case .malformedPacketData = vehicle.uplinkFrame(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: packet)) {
            } else {
                Issue.record("expected the frame's data to be malformed")
            }
        }
        vehicle.run(for: .seconds(2))
        #expect(vehicle.verification(of: .of(longer)) == [.acceptanceFailure(.of(longer), FailureNotice(.badLength))])
        #expect(vehicle.verification(of: .of(shorter)) == [.acceptanceFailure(.of(shorter), FailureNotice(.badLength))])
        #expect(vehicle.uplink.statistics.malformedPacketData == 2)
    }

    @Test func malformedTelecommandsAtThreeHundredFramesASecondDoNotStarveHousekeeping() throws {
        let vehicle = try LinkedVehicle()
        vehicle.run(for: .seconds(5))
        let before = vehicle.housekeeping(structure: 3).count
        let start = vehicle.wire.count
        // 60 s of 3 frames per 10 ms, each a valid frame carrying a TC[17,1] with a corrupted PEC.
        var sent = 0
        vehicle.run(
            for: .seconds(60),
            everyStep: {
                for _ in 0..<3 {
                    var ping = PUSTelecommand(apid: 0x123, sequenceCount: UInt16(sent & 0x3FFF), messageType: .areYouAlive).encoded
                    ping[ping.count - 1] ^= 0x5A
                    vehicle.uplinkFrame(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: ping))
                    sent += 1
                }
            })
        #expect(sent == 18_000)
        // Attitude housekeeping (every 1 s) keeps its rate: about 60 reports in 60 s.
        let attitude = vehicle.housekeeping(structure: 3).count - before
        #expect(attitude >= 55, "\(attitude) attitude reports in 60 s of flood")
        // Failure reports are rate limited (10 per second per code, burst 10); the rest is counted.
        let failures = vehicle.wire.dropFirst(start).filter { $0.messageType == MessageType(1, 2) }.count
        #expect(failures <= 10 * 61 + 10, "\(failures) TM[1,2]")
        #expect(failures >= 10 * 50)
        vehicle.run(for: .seconds(1))
        let suppressed = try #require(vehicle.harness.value("tm.failures_suppressed"))
        #expect(Int(suppressed) + failures >= 18_000 - 100)
        #expect(vehicle.harness.value("tc.rejected") == 18_000)
    }

    @Test(.timeLimit(.minutes(1))) func aBurstOfAThousandFramesLosesNoReportOfAnAcceptedCommand() throws {
        let vehicle = try LinkedVehicle(
            extra: proposedHousekeeping.replacingOccurrences(of: "utc_tai_offset_s = 37", with: "utc_tai_offset_s = 37\ncommand_queue = 8"),
            farmWindowWidth: 254)
        vehicle.run(for: .seconds(2))
        // A FOP-1-like sender on VC 0: a sliding window of 100 type-AD frames (FARM-1 window
        // W = 254, so K ≤ PW = 127 keeps it out of Lockout), each one TC[17,1] with its own
        // acknowledgement flags, sent as a burst; it honours the CLCW in the downlink's OCF
        // (Wait: stop; Retransmit: go back to V(R)). The command queue holds 8.
        let count = 1000
        let window = 100
        var packets: [[UInt8]] = []
        for index in 0..<count {
            packets.append(vehicle.harness.telecommand(.areYouAlive, flags: AcknowledgementFlags(rawValue: UInt8(index % 16))))
        }
        var acknowledged = 0 // frames the FARM accepted (from V(R) in the CLCW)
        var next = 0 // next frame to send
        var sentFrames = 0
        var sawWait = false
        var sawLockout = false
        var reportsSeen: Int { vehicle.wire.filter { $0.messageType == .areYouAliveReport }.count }
        vehicle.run(
            for: .seconds(300), until: { acknowledged >= count && reportsSeen >= count },
            everyStep: {
                guard acknowledged < count else { return }
                if let clcw = vehicle.decoder.lastCLCW, clcw.virtualChannel == 0 {
                    acknowledged += Int(clcw.reportValue &- UInt8(truncatingIfNeeded: acknowledged))
                    sawWait = sawWait || clcw.wait
                    sawLockout = sawLockout || clcw.lockout
                    if clcw.wait { return }
                    if clcw.retransmit || next < acknowledged { next = acknowledged }
                }
                // A burst: the whole window at once, as fast as the sender can.
                while next < count, next < acknowledged + window {
                    vehicle.uplinkFrame(TCFrame(type: .ad, spacecraftID: 42, virtualChannel: 0, sequenceNumber: UInt8(truncatingIfNeeded: next), data: packets[next]))
                    next += 1
                    sentFrames += 1
                }
            })
        #expect(acknowledged == count)
        #expect(!sawLockout)
        #expect(sentFrames >= count)
        vehicle.run(for: .seconds(2))
        // Every TC was accepted and ran; every report its flags asked for is on the wire.
        #expect(vehicle.harness.value("tc.accepted") == Double(count))
        #expect(vehicle.harness.value("tc.rejected") == 0)
        #expect(vehicle.harness.value("tm.records_dropped") == 0)
        #expect(vehicle.scheduler.statistics.dropped(.queueFull) == 0)
        #expect(vehicle.wire.filter { $0.messageType == .areYouAliveReport }.count == count)
        var missing = 0
        for packet in packets {
            let flags = try PUSTelecommand.decode(packet).acknowledgementFlags
            var expected: [VerificationReport] = []
            if flags.contains(.acceptance) { expected.append(.acceptanceSuccess(.of(packet))) }
            if flags.contains(.start) { expected.append(.startSuccess(.of(packet))) }
            if flags.contains(.completion) { expected.append(.completionSuccess(.of(packet))) }
            if vehicle.verification(of: .of(packet)) != expected { missing += 1 }
        }
        #expect(missing == 0)
        #expect(vehicle.wire.map(\.sequenceCount) == (0..<vehicle.wire.count).map { UInt16($0 & 0x3FFF) })
        // The queue did fill, and FARM-1 made the sender wait rather than refuse commands.
        #expect(sawWait || vehicle.uplink.statistics.farmNoBuffer > 0)
    }
}
