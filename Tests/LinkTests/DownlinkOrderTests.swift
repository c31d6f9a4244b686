#if canImport(Glibc)
    import Glibc
#endif
import HAL
import SpaceLink
import Testing
@testable import Link

/// What reaches the wire: sequence counts per APID, housekeeping's share under a flood, nothing
/// lost between a producer and full queues, and no frame lost to a pending ICMP error.
@Suite struct DownlinkOrderTests {
    func pus(_ source: inout PUSTelemetrySource, _ type: MessageType, _ data: [UInt8]) -> [UInt8] {
        source.encode(type, time: CUCTime(coarse: 2_114_380_800, fine: 0), sourceData: data)
    }

    @Test func sequenceCountsOnTheWireAreConsecutivePerAPIDWhateverThePriorities() throws {
        var scheduler = DownlinkScheduler(configuration: DownlinkConfiguration(frame: tmConfiguration))
        var decoder = TMFrameDecoder(configuration: tmConfiguration)
        // Made in this order (provisional counts 0, 1, 2, …): housekeeping first, then events
        // and verification reports, which the scheduler sends ahead of the housekeeping.
        var source = PUSTelemetrySource(apid: 0x123)
        var made: [(packet: [UInt8], priority: DownlinkPriority)] = []
        for round in 0..<6 {
            made.append((pus(&source, .housekeepingReport, HousekeepingReport(structureID: 1, values: (0..<60).map { .f32(Float($0 + round)) }).sourceData), .housekeeping))
            made.append((pus(&source, .housekeepingReport, HousekeepingReport(structureID: 2, values: [.u8(UInt8(round))]).sourceData), .housekeeping))
            made.append((pus(&source, MessageType(5, 2), EventReport(severity: .low, eventID: UInt16(round)).applicationData), .event))
            made.append((pus(&source, MessageType(1, 7), VerificationReport.completionSuccess(RequestID(packetID: 0x1923, sequenceControl: 0xC000 | UInt16(round))).sourceData), .event))
        }
        var wire: [PUSTelemetry] = []
        var slot: Int64 = 0
        for (packet, priority) in made {
            let queued = scheduler.enqueue(packet, priority: priority)
            #expect(queued)
        }
        while !scheduler.isDrained {
            wire += try scheduler.pump(now: t0 + ms(128 * slot)).flatMap { decoder.receive($0) }.map { try PUSTelemetry.decode($0, expectedAPID: 0x123) }
            slot += 1
        }
        #expect(wire.count == made.count)
        // The priorities did reorder: the wire's order of message types is not the order made.
        let madeTypes = made.compactMap { try? PUSTelemetry.decode($0.packet).messageType }
        #expect(madeTypes.count == made.count)
        #expect(wire.map(\.messageType) != madeTypes)
        // Counts on the wire: 0, 1, 2, … (every PEC verified by the decode above).
        #expect(wire.map(\.sequenceCount) == (0..<UInt16(wire.count)).map { $0 })
        // Message type counters: consecutive per message type, in wire order.
        var perType: [MessageType: [UInt16]] = [:]
        for packet in wire { perType[packet.messageType, default: []].append(packet.messageTypeCounter) }
        for (type, counters) in perType { #expect(counters == (0..<UInt16(counters.count)).map { $0 }, "\(type)") }
        // Within one priority the order is the order made.
        let events = wire.filter { $0.messageType.service != 3 }.map(\.messageType)
        #expect(events == (0..<6).flatMap { _ in [MessageType(5, 2), MessageType(1, 7)] })
    }

    @Test func aSequencerStampsThePUSVector() {
        // TM[17,2] seq 5, message type counter 1, from pus-vectors.md (spacepackets + puslib):
        // five packets of the APID before it, one of them a TM[17,2].
        var sequencer = PacketSequencer()
        var source = PUSTelemetrySource(apid: 0x123)
        let time = CUCTime(coarse: 2_114_380_800, fine: 0x8000)
        for type in [MessageType(1, 1), MessageType(17, 2), MessageType(1, 7), MessageType(5, 1), MessageType(1, 1)] {
            _ = sequencer.stamp(source.encode(type, time: time))
        }
        // Made with other counts (and so another PEC): the sequencer gives the wire's.
        let made = PUSTelemetry(apid: 0x123, sequenceCount: 0x3000, messageType: .areYouAliveReport, messageTypeCounter: 77, time: time).encoded()
        #expect(hex(sequencer.stamp(made)) == "0923c005000f201102000100001e7e06e4008000834d")
        // Idle packets pass unchanged; a packet without a valid PEC keeps its last octets.
        let idle = SpacePacket.idle(length: 20)
        #expect(sequencer.stamp(idle) == idle)
        let plain = SpacePacket(type: .telemetry, apid: 0x123, sequenceCount: 0, dataField: [1, 2, 3]).encoded
        #expect(Array(sequencer.stamp(plain).suffix(3)) == [1, 2, 3])
        #expect(sequencer.nextSequenceCount(apid: 0x123) == 7)
    }

    @Test func housekeepingKeepsItsShareOfTheRealTimeChannelUnderAnEventFlood() throws {
        var scheduler = DownlinkScheduler(configuration: DownlinkConfiguration(frame: tmConfiguration, housekeepingShare: 4))
        var decoder = TMFrameDecoder(configuration: tmConfiguration)
        for i in 0..<100 {
            let queued = scheduler.enqueue(telemetryPacket(apid: 0x20, sequenceCount: 0, length: 100, tag: UInt8(i)), priority: .housekeeping)
            #expect(queued)
        }
        var housekeeping = 0
        for slot in 0..<40 {
            // Events never run out: a frame's worth queued before every slot.
            while scheduler.depth(.event) < 12 { _ = scheduler.enqueue(telemetryPacket(apid: 0x30, sequenceCount: 0, length: 100, tag: 0xEE), priority: .event) }
            housekeeping += scheduler.pump(now: t0 + ms(128 * Int64(slot))).flatMap { decoder.receive($0) }.filter { $0[1] == 0x20 }.count
        }
        // 10 frames of 40 are housekeeping's, about ten 100-octet packets each.
        #expect(housekeeping >= 80, "\(housekeeping) housekeeping packets in 40 frames")
        #expect(scheduler.statistics[.housekeeping].sent >= UInt64(housekeeping)) // (one may be half framed)
    }

    @Test func aBacklogLosesNothingWhenTheQueuesAreFull() throws {
        var scheduler = DownlinkScheduler(configuration: DownlinkConfiguration(frame: tmConfiguration, capacity: DownlinkQueueCapacity(event: 8, housekeeping: 8, playback: 8)))
        var decoder = TMFrameDecoder(configuration: tmConfiguration)
        var backlog = DownlinkBacklog(batchLimit: 64)
        var source = PUSTelemetrySource(apid: 0x123)
        var made: [[UInt8]] = []
        var received: [[UInt8]] = []
        var slot: Int64 = 0
        // The producer has 300 packets (300-octet events) to give: far more than the queues hold.
        while received.count < 300, slot < 400 {
            backlog.forward(to: &scheduler) { limit in
                let count = min(limit, 300 - made.count)
                let batch = (0..<count).map { _ in OutgoingPacket(bytes: self.pus(&source, MessageType(5, 1), [UInt8](repeating: 0x55, count: 280)), priority: .event) }
                made += batch.map(\.bytes)
                return batch
            }
            received += scheduler.pump(now: t0 + ms(128 * slot)).flatMap { decoder.receive($0) }
            slot += 1
        }
        #expect(made.count == 300)
        #expect(received.count == 300)
        #expect(try received.map { try PUSTelemetry.decode($0).sequenceCount } == (0..<300).map { UInt16($0) })
        #expect(scheduler.statistics[.event].droppedQueueFull == 0)
        #expect(backlog.count == 0)
    }

    @Test(.timeLimit(.minutes(1))) func aPendingPortUnreachableCostsNoFrame() throws {
        // A ground station that is away, then comes back on the same port.
        let probe = try UDPSocket(boundTo: .loopback(port: 0))
        let address = try probe.localAddress()
        probe.close()
        let other = try UDPSocket(boundTo: .loopback(port: 0))
        let downlink = Downlink(configuration: DownlinkConfiguration(frame: tmConfiguration, bitRate: 819_200), clock: TestSystemClock())
        try downlink.start(destinations: [address, try other.localAddress()])
        defer { downlink.stop() }
        #expect(waitUntil { downlink.statistics.destinations.first?.refused ?? 0 >= 5 })
        let ground = try UDPSocket(boundTo: address)
        defer { ground.close() }
        var decoder = TMFrameDecoder(configuration: tmConfiguration)
        var buffer = [UInt8](repeating: 0, count: 2048)
        var frames = 0
        let clock = TestSystemClock()
        let deadline = clock.now + .seconds(5)
        while frames < 40, clock.now < deadline {
            guard let datagram = try ground.receive(into: &buffer, timeout: .milliseconds(100)) else { continue }
            _ = decoder.receive(buffer[0..<datagram.count])
            frames += 1
        }
        #expect(frames == 40)
        // Every frame since the station came back arrived: no master channel count was skipped.
        #expect(decoder.statistics.masterChannelFramesLost == 0)
        let stats = downlink.statistics
        #expect(stats.destinations.count == 2)
        #expect(stats.destinations[0].errors == 0 && stats.sendErrors == 0)
        #expect(stats.destinations[0].lastError == .send(errno: ECONNREFUSED))
        #expect(stats.destinations[1].refused == 0 && stats.destinations[1].errors == 0)
        #expect(stats.destinations[1].datagramsSent >= stats.destinations[0].datagramsSent)
        other.close()
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
}
