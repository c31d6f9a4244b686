import HAL
import SpaceLink
import Testing
@testable import Link

/// A PUS-C telecommand packet (TC(17,1) are-you-alive) with sequence count `count`.
func telecommand(_ count: UInt16) -> [UInt8] {
    PUSTelecommand(apid: 0x10, sequenceCount: count, messageType: MessageType(17, 1)).encoded
}

func adFrame(_ sequenceNumber: UInt8, _ packets: [[UInt8]], spacecraft: UInt16 = spacecraftID, virtualChannel: UInt8 = 0) -> [UInt8] {
    TCFrame(type: .ad, spacecraftID: spacecraft, virtualChannel: virtualChannel, sequenceNumber: sequenceNumber, data: packets.flatMap { $0 }).encoded
}

func bdFrame(_ packets: [[UInt8]], virtualChannel: UInt8 = 0) -> [UInt8] {
    TCFrame(type: .bd, spacecraftID: spacecraftID, virtualChannel: virtualChannel, data: packets.flatMap { $0 }).encoded
}

func controlFrame(_ command: ControlCommand, virtualChannel: UInt8 = 0) -> [UInt8] {
    TCFrame(controlCommand: command, spacecraftID: spacecraftID, virtualChannel: virtualChannel).encoded
}

/// Collects what the handler is given.
final class PacketSink: Sendable {
    private let packets = LockedValue<[UplinkPacket]>([])
    func take(_ packet: UplinkPacket) { packets.withLock { $0.append(packet) } }
    var received: [UplinkPacket] { packets.current }
    var bytes: [[UInt8]] { packets.current.map(\.bytes) }
}

@Suite struct UplinkReceiverTests {
    let configuration = UplinkConfiguration(spacecraftID: spacecraftID)

    @Test func acceptedFramesDeliverTheirPackets() throws {
        let sink = PacketSink()
        let report = CLCWReport()
        let uplink = Uplink(configuration: configuration, clcw: report, handler: sink.take)
        #expect(uplink.receive(datagram: adFrame(0, [telecommand(0), telecommand(1)])[...]) == .accepted(packets: 2))
        #expect(uplink.receive(datagram: bdFrame([telecommand(2)], virtualChannel: 1)[...]) == .accepted(packets: 1))
        #expect(sink.bytes == [telecommand(0), telecommand(1), telecommand(2)])
        #expect(sink.received.map(\.frameType) == [.ad, .ad, .bd])
        #expect(sink.received.map(\.virtualChannel) == [0, 0, 1])
        // The TC decodes as what was sent.
        #expect(try PUSTelecommand.decode(sink.bytes[1]).sequenceCount == 1)
        let stats = uplink.statistics
        #expect(stats.adFramesAccepted == 1 && stats.bdFramesAccepted == 1 && stats.packetsDelivered == 3)
        // CLCW published: VC 0 expects N(S) = 1 next; VC 1 counted one type-B frame.
        #expect(report.clcw(virtualChannel: 0)?.reportValue == 1)
        #expect(report.clcw(virtualChannel: 1)?.farmBCounter == 1)
    }

    @Test func badFramesAreCountedPerReason() {
        let sink = PacketSink()
        let uplink = Uplink(configuration: configuration, handler: sink.take)
        let good = adFrame(0, [telecommand(0)])
        var badCRC = good
        badCRC[badCRC.count - 1] ^= 0x01
        var wrongVersion = good
        wrongVersion[0] |= 0x40
        let cases: [([UInt8], UplinkDisposition)] = [
            ([], .rejected(.truncated(available: 0))),
            (Array(good.prefix(4)), .rejected(.truncated(available: 4))),
            (Array(good.dropLast(3)), .rejected(.lengthMismatch(declared: good.count, actual: good.count - 3))),
            (good + [0], .rejected(.lengthMismatch(declared: good.count, actual: good.count + 1))),
            (badCRC, .rejected(.badCRC(expected: CRC16.compute(good.dropLast(2)), found: CRC16.compute(good.dropLast(2)) ^ 1))),
            (adFrame(0, [telecommand(0)], spacecraft: 0x2B), .rejected(.wrongSpacecraft(0x2B))),
            (adFrame(0, [telecommand(0)], virtualChannel: 2), .rejected(.virtualChannelNotAllowed(2))),
            (TCFrame(type: .ad, spacecraftID: spacecraftID, virtualChannel: 0, mapID: 3, data: telecommand(0)).encoded, .rejected(.mapNotAllowed(3))),
        ]
        for (datagram, expected) in cases {
            #expect(uplink.receive(datagram: datagram[...]) == expected)
        }
        #expect(uplink.receive(datagram: wrongVersion[...]) == .rejected(.wrongVersion(1)))
        let stats = uplink.statistics
        #expect(stats.truncated == 3)
        #expect(stats.lengthMismatch == 1)
        #expect(stats.badCRC == 1)
        #expect(stats.wrongSpacecraft == 1)
        #expect(stats.virtualChannelNotAllowed == 1)
        #expect(stats.mapNotAllowed == 1)
        #expect(stats.wrongVersion == 1)
        #expect(stats.malformed == 2)
        #expect(stats.framesRejected == 9)
        #expect(stats.datagramsReceived == 9)
        #expect(sink.received.isEmpty)
        // The FARM never saw them: the good frame is still N(S) = 0.
        #expect(uplink.receive(datagram: good[...]) == .accepted(packets: 1))
    }

    @Test func replaysGapsAndLockoutAreFARMDiscards() {
        let sink = PacketSink()
        let uplink = Uplink(configuration: configuration, handler: sink.take)
        let first = adFrame(0, [telecommand(0)])
        #expect(uplink.receive(datagram: first[...]) == .accepted(packets: 1))
        #expect(uplink.receive(datagram: first[...]) == .discarded(.negativeWindow)) // replay
        #expect(uplink.receive(datagram: adFrame(3, [telecommand(3)])[...]) == .discarded(.positiveWindow))
        #expect(uplink.clcws[0].retransmit)
        #expect(uplink.receive(datagram: adFrame(100, [telecommand(9)])[...]) == .discarded(.enteredLockout))
        #expect(uplink.farmState(virtualChannel: 0) == .lockout)
        #expect(uplink.receive(datagram: adFrame(1, [telecommand(1)])[...]) == .discarded(.lockedOut))
        #expect(uplink.receive(datagram: controlFrame(.setVR(7))[...]) == .notExecuted(.setVR(7)))
        #expect(uplink.receive(datagram: controlFrame(.unlock)[...]) == .executed(.unlock))
        #expect(uplink.receive(datagram: controlFrame(.setVR(7))[...]) == .executed(.setVR(7)))
        #expect(uplink.receive(datagram: adFrame(7, [telecommand(7)])[...]) == .accepted(packets: 1))
        #expect(uplink.farmState(virtualChannel: 1) == .open) // VCs independent
        let stats = uplink.statistics
        #expect(stats.farmReplayed == 1 && stats.farmSequenceGap == 1 && stats.farmEnteredLockout == 1 && stats.farmLockedOut == 1)
        #expect(stats.framesDiscarded == 4)
        #expect(stats.controlCommandsExecuted == 2 && stats.controlCommandsNotExecuted == 1)
        #expect(sink.bytes == [telecommand(0), telecommand(7)])
    }

    @Test func waitUntilTheDaemonReleasesTheBuffer() {
        let room = LockedValue(false)
        let report = CLCWReport()
        let sink = PacketSink()
        let uplink = Uplink(configuration: configuration, clcw: report, bufferAvailable: { room.current }, handler: sink.take)
        let frame = adFrame(0, [telecommand(0)])
        #expect(uplink.receive(datagram: frame[...]) == .discarded(.noBuffer))
        #expect(uplink.farmState(virtualChannel: 0) == .wait)
        #expect(report.clcw(virtualChannel: 0)?.wait == true)
        room.withLock { $0 = true }
        // FARM-1 stays in Wait while the buffer is not released, whatever bufferAvailable says.
        #expect(uplink.receive(datagram: frame[...]) == .discarded(.waiting))
        uplink.releaseBuffer()
        #expect(report.clcw(virtualChannel: 0)?.wait == false)
        #expect(uplink.receive(datagram: frame[...]) == .accepted(packets: 1))
        #expect(uplink.statistics.farmNoBuffer == 1 && uplink.statistics.farmWaiting == 1)
    }

    @Test func acceptedFrameWithoutWholePacketsIsCountedAndItsRestDeliveredForAReport() {
        let sink = PacketSink()
        let uplink = Uplink(configuration: configuration, handler: sink.take)
        let cut = Array(telecommand(0).dropLast(2))
        let disposition = uplink.receive(datagram: adFrame(0, [cut])[...])
        #expect(disposition == .malformedPacketData(.truncated(needed: cut.count + 2, available: cut.count), packets: 1))
        #expect(uplink.statistics.malformedPacketData == 1)
        // Delivered as it is, so the PUS layer answers with TM[1,2] bad_length.
        #expect(sink.received.map(\.bytes) == [cut])

        // A whole packet, then one whose length field says 3 octets more than there are: the
        // first is delivered as a packet, the second as the rest of the data.
        let good = telecommand(1)
        var long = telecommand(2)
        long[5] &+= 3
        #expect(uplink.receive(datagram: adFrame(1, [good, long])[...]) == .malformedPacketData(.truncated(needed: long.count + 3, available: long.count), packets: 2))
        #expect(sink.received.map(\.bytes).suffix(2) == [good, long])
        // A length field 2 short: the declared packet fails its CRC, so the whole data is the unit.
        var short = telecommand(3)
        short[5] &-= 2
        #expect(uplink.receive(datagram: adFrame(2, [short])[...]) == .malformedPacketData(.truncated(needed: 6, available: 2), packets: 1))
        #expect(sink.received.last?.bytes == short)
        #expect(uplink.statistics.malformedPacketData == 3)
    }

    @Test func uplinkCLCWReachesTheDownlinkOCF() throws {
        let report = CLCWReport(virtualChannels: [0])
        let uplink = Uplink(configuration: UplinkConfiguration(frame: TCFrameConfiguration(spacecraftID: spacecraftID, allowedVirtualChannels: [0])), clcw: report, handler: { _ in })
        for n: UInt8 in 0..<3 { uplink.receive(datagram: adFrame(n, [telecommand(UInt16(n))])[...]) }
        var scheduler = DownlinkScheduler(configuration: DownlinkConfiguration(frame: tmConfiguration), clcw: report)
        let frames = scheduler.pump(now: t0)
        // CLCW: COP-1 in effect, VC 0, V(R) = 3 → 0x0100_0003.
        #expect(try TMFrame.decode(frames[0][...], configuration: tmConfiguration).operationalControlField == 0x0100_0003)
    }
}

@Suite struct UplinkSocketTests {
    @Test(.timeLimit(.minutes(1))) func receiverCountsGarbageAndKeepsRunning() throws {
        let sink = PacketSink()
        let uplink = Uplink(configuration: UplinkConfiguration(frame: TCFrameConfiguration(spacecraftID: spacecraftID), pollInterval: .milliseconds(20)), handler: sink.take)
        try uplink.start(listeningOn: .loopback(port: 0))
        defer { uplink.stop() }
        let address = try #require(uplink.localAddress)
        #expect(address.port != 0)

        let ground = try UDPSocket(family: .ipv4)
        let first = adFrame(0, [telecommand(0)])
        var badCRC = adFrame(1, [telecommand(1)])
        badCRC[badCRC.count - 2] ^= 0xFF
        // Deterministic garbage (64-bit LCG, Knuth's MMIX constants).
        var state: UInt64 = 0x1234_5678
        let garbage: [[UInt8]] = (0..<20).map { n in
            (0..<(1 + n * 23)).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
        }
        var datagrams: [[UInt8]] = [first]
        datagrams += garbage
        datagrams += [
            Array(adFrame(1, [telecommand(1)]).dropLast(5)), // truncated
            adFrame(1, [telecommand(1)], spacecraft: 0x155), // foreign
            adFrame(1, [telecommand(1)], virtualChannel: 5), // wrong VC
            badCRC,
            first, // replay
            [UInt8](repeating: 0xAA, count: 1500), // oversize
            bdFrame([telecommand(50)]),
            adFrame(1, [telecommand(1), telecommand(2)]),
        ]
        for datagram in datagrams { try ground.send(datagram, to: address) }

        #expect(waitUntil { uplink.statistics.datagramsReceived == UInt64(datagrams.count) })
        #expect(waitUntil { sink.received.count == 4 })
        #expect(sink.bytes == [telecommand(0), telecommand(50), telecommand(1), telecommand(2)])
        let stats = uplink.statistics
        #expect(stats.truncated >= 1)
        #expect(stats.wrongSpacecraft >= 1)
        #expect(stats.virtualChannelNotAllowed >= 1)
        #expect(stats.badCRC >= 1)
        #expect(stats.farmReplayed == 1)
        #expect(stats.tooLong == 1)
        // Every datagram but the three good frames is counted as rejected or discarded.
        #expect(stats.framesRejected + stats.framesDiscarded == UInt64(datagrams.count - 3))
        #expect(stats.adFramesAccepted == 2 && stats.bdFramesAccepted == 1)
        #expect(stats.receiveErrors == 0)
        #expect(uplink.isRunning)
        #expect(throws: LinkError.alreadyRunning) { try uplink.start(listeningOn: .loopback(port: 0)) }
        uplink.stop()
        #expect(!uplink.isRunning && uplink.localAddress == nil)
    }

    @Test func startFailsWithTypedErrorWhenThePortIsTaken() throws {
        let holder = try UDPSocket(boundTo: .loopback(port: 0))
        let taken = try holder.localAddress()
        let uplink = Uplink(configuration: UplinkConfiguration(spacecraftID: spacecraftID), handler: { _ in })
        #expect(throws: LinkError.socket(.bind(taken, errno: EADDRINUSE))) { try uplink.start(listeningOn: taken) }
        #expect(!uplink.isRunning)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
