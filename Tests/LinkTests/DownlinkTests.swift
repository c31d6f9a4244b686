import HAL
import SpaceLink
import Testing
@testable import Link

@Suite struct FramePacingTests {
    @Test func oneKilobyteFramesAt64kbps() {
        // 1024 octets = 8192 bits; 8192 / 64000 s = 0.128 s; 64000 / 8192 = 7.8125 frames/s.
        let pacing = FramePacing(frameLength: 1024, bitRate: 64_000)
        #expect(pacing.frameBits == 8192)
        #expect(pacing.framePeriod == .milliseconds(128))
        #expect(pacing.framesPerSecond == 7.8125)
        #expect(pacing.offset(ofSlot: 10) == .milliseconds(1280))
        #expect(pacing.lastSlot(atOffset: .nanoseconds(127_999_999)) == 0)
        #expect(pacing.lastSlot(atOffset: .milliseconds(128)) == 1)
        #expect(pacing.lastSlot(atOffset: .milliseconds(255)) == 1)
        #expect(pacing.lastSlot(atOffset: .milliseconds(256)) == 2)
        #expect(pacing.lastSlot(atOffset: .zero) == 0)
        #expect(pacing.lastSlot(atOffset: .milliseconds(-5)) == 0)
    }

    @Test func fractionalPeriodDoesNotDrift() {
        // 1115 octets = 8920 bits at 9600 bit/s: 0.92916… s per frame, not whole nanoseconds.
        let pacing = FramePacing(frameLength: 1115, bitRate: 9_600)
        #expect(pacing.framePeriod == .nanoseconds(929_166_666))
        // 3 × 8920 / 9600 s = 2.7875 s exactly; three rounded periods would be 2.787499998 s.
        #expect(pacing.offset(ofSlot: 3) == .nanoseconds(2_787_500_000))
        // 9600 frames take 8920 s exactly.
        #expect(pacing.offset(ofSlot: 9_600) == .seconds(8_920))
        #expect(pacing.lastSlot(atOffset: .nanoseconds(2_787_499_999)) == 2)
        #expect(pacing.lastSlot(atOffset: .nanoseconds(2_787_500_000)) == 3)
        // Far out (about a year of slots) the arithmetic neither overflows nor drifts: the period
        // is 8920/9600 = 223/240 s, so slot 240 × 141 417 = 33 940 080 starts at 223 × 141 417 s.
        #expect(pacing.offset(ofSlot: 33_940_080) == .seconds(31_535_991))
    }
}

@Suite struct DownlinkSchedulerTests {
    func makeScheduler(bitRate: Int = 64_000, idleFill: Bool = true, capacity: DownlinkQueueCapacity = DownlinkQueueCapacity(), clcw: CLCWReport? = nil) -> DownlinkScheduler {
        DownlinkScheduler(configuration: DownlinkConfiguration(frame: tmConfiguration, bitRate: bitRate, idleFill: idleFill, capacity: capacity), clcw: clcw)
    }

    @Test func pumpFollowsAbsoluteDeadlines() {
        var scheduler = makeScheduler()
        #expect(scheduler.nextDeadline == nil)
        let result1 = scheduler.pump(now: t0)
        #expect(result1.count == 1) // first call: slot 0 at once
        #expect(scheduler.nextDeadline == t0 + ms(128))
        let result2 = scheduler.pump(now: t0 + ms(127))
        #expect(result2.isEmpty)
        let result3 = scheduler.pump(now: t0 + ms(128))
        #expect(result3.count == 1)
        let result4 = scheduler.pump(now: t0 + ms(128))
        #expect(result4.isEmpty) // slot used only once
        // Woken late (at 200 ms instead of 256): the next deadline stays on the grid.
        let result5 = scheduler.pump(now: t0 + ms(300))
        #expect(result5.count == 1)
        #expect(scheduler.nextDeadline == t0 + ms(384))
        // Stalled 1 s: slots 3…10 are due; 4 go out (catch-up limit), 4 are skipped and counted.
        let result6 = scheduler.pump(now: t0 + ms(1280))
        #expect(result6.count == 4)
        #expect(scheduler.statistics.missedSlots == 4)
        #expect(scheduler.nextDeadline == t0 + ms(1408))
    }

    @Test func constantFrameRateOverOneMinute() {
        var scheduler = makeScheduler()
        var frames = 0
        // Step 1 ms from t0 to t0 + 64 s inclusive: slots at 0, 128 ms, … 64 s → 501 frames.
        for step in 0...64_000 { frames += scheduler.pump(now: t0 + ms(Int64(step))).count }
        #expect(frames == 501)
        #expect(scheduler.statistics.missedSlots == 0)
        #expect(scheduler.statistics.idleFrames == 501)
        #expect(scheduler.statistics.octets == 501 * 1024)
    }

    @Test func idleFramesWhenEmpty() throws {
        var scheduler = makeScheduler()
        var decoder = TMFrameDecoder(configuration: tmConfiguration)
        for slot: Int64 in 0..<3 {
            let frames = scheduler.pump(now: t0 + ms(128 * slot))
            #expect(frames.count == 1)
            let frame = try TMFrame.decode(frames[0][...], configuration: tmConfiguration)
            #expect(frame.header.virtualChannel == 7)
            #expect(frame.header.firstHeaderPointer == 0x7FE)
            #expect(frame.header.masterChannelFrameCount == UInt8(slot))
            #expect(decoder.receive(frames[0]).isEmpty)
        }
        #expect(decoder.statistics.idleFrames == 3)
        #expect(scheduler.statistics.idleFrames == 3)
        #expect(scheduler.statistics.framesPerVirtualChannel == [0, 0, 0, 0, 0, 0, 0, 3])
    }

    @Test func withoutIdleFillEmptySlotsAreSilentButKeepTheGrid() throws {
        var scheduler = makeScheduler(idleFill: false)
        let result7 = scheduler.pump(now: t0)
        #expect(result7.isEmpty)
        let result8 = scheduler.pump(now: t0 + ms(128))
        #expect(result8.isEmpty)
        #expect(scheduler.nextDeadline == t0 + ms(256))
        let result9 = scheduler.enqueue(telemetryPacket(apid: 0x20, sequenceCount: 0, length: 40, tag: 1), priority: .housekeeping)
        #expect(result9)
        let early = scheduler.pump(now: t0 + ms(200))
        #expect(early.isEmpty) // waits for its slot
        let frames = scheduler.pump(now: t0 + ms(256))
        #expect(frames.count == 1)
        #expect(try TMFrame.decode(frames[0][...], configuration: tmConfiguration).header.virtualChannel == 0)
        #expect(scheduler.statistics.frames == 1)
        #expect(scheduler.isDrained)
    }

    @Test func partialFrameIsPaddedNotHeldBack() throws {
        var scheduler = makeScheduler()
        let packet = telemetryPacket(apid: 0x20, sequenceCount: 0, length: 100, tag: 0xA5)
        let result10 = scheduler.enqueue(packet, priority: .housekeeping)
        #expect(result10)
        let frames = scheduler.pump(now: t0)
        var decoder = TMFrameDecoder(configuration: tmConfiguration)
        #expect(decoder.receive(frames[0]) == [packet])
        #expect(decoder.statistics.idlePackets == 1) // the padding
        #expect(scheduler.statistics[.housekeeping].sent == 1)
        #expect(scheduler.isDrained)
    }

    @Test func eventsOvertakeQueuedHousekeeping() {
        var scheduler = makeScheduler()
        var decoder = TMFrameDecoder(configuration: tmConfiguration)
        // Ten 300-octet HK packets: a 1012-octet data field takes three and a part of the fourth.
        let housekeeping = (0..<10).map { telemetryPacket(apid: 0x20, sequenceCount: UInt16($0), length: 300, tag: UInt8($0)) }
        for packet in housekeeping { let accepted = scheduler.enqueue(packet, priority: .housekeeping); #expect(accepted) }
        var received = scheduler.pump(now: t0).flatMap { decoder.receive($0) }
        #expect(received == Array(housekeeping[0..<3]))
        // An event arrives: it goes right after the half-framed HK packet, before HK 5…10.
        let event = telemetryPacket(apid: 0x30, sequenceCount: 0, length: 50, tag: 0xEE)
        let result11 = scheduler.enqueue(event, priority: .event)
        #expect(result11)
        // 3050 octets in all fill three 1012-octet data fields and 14 octets of a fourth:
        // packets span frames instead of being cut short by padding.
        for slot: Int64 in 1...2 { received += scheduler.pump(now: t0 + ms(128 * slot)).flatMap { decoder.receive($0) } }
        #expect(received == Array(housekeeping[0..<4]) + [event] + Array(housekeeping[4..<9]))
        received += scheduler.pump(now: t0 + ms(384)).flatMap { decoder.receive($0) }
        #expect(received == Array(housekeeping[0..<4]) + [event] + Array(housekeeping[4..<10]))
        #expect(scheduler.isDrained)
        #expect(decoder.statistics.idlePackets == 1)
        #expect(scheduler.statistics[.event].sent == 1)
        #expect(scheduler.statistics[.housekeeping].sent == 10)
        #expect(scheduler.statistics[.housekeeping].highWaterMark == 10)
        #expect(decoder.statistics.malformedPackets == 0 && decoder.statistics.virtualChannelFramesLost == 0)
    }

    @Test func playbackOnlyInFramesRealTimeLeavesFree() throws {
        var scheduler = makeScheduler()
        let stored = telemetryPacket(apid: 0x40, sequenceCount: 0, length: 200, tag: 0x11)
        let live = telemetryPacket(apid: 0x20, sequenceCount: 0, length: 200, tag: 0x22)
        let result12 = scheduler.enqueue(stored, priority: .playback)
        #expect(result12)
        let result13 = scheduler.enqueue(live, priority: .housekeeping)
        #expect(result13)
        let first = try TMFrame.decode(scheduler.pump(now: t0)[0][...], configuration: tmConfiguration)
        let second = try TMFrame.decode(scheduler.pump(now: t0 + ms(128))[0][...], configuration: tmConfiguration)
        let third = try TMFrame.decode(scheduler.pump(now: t0 + ms(256))[0][...], configuration: tmConfiguration)
        #expect([first.header.virtualChannel, second.header.virtualChannel, third.header.virtualChannel] == [0, 1, 7])
        #expect(Array(second.dataField.prefix(200)) == stored)
        #expect(scheduler.statistics.framesPerVirtualChannel == [1, 1, 0, 0, 0, 0, 0, 1])
    }

    @Test func refusalsAreCountedPerPriorityAndReason() {
        var scheduler = makeScheduler(capacity: DownlinkQueueCapacity(event: 2, housekeeping: 3, playback: 1))
        let packet = telemetryPacket(apid: 0x20, sequenceCount: 0, length: 20, tag: 0)
        let accepted = (0..<5).map { _ in scheduler.enqueue(packet, priority: .event) }
        #expect(accepted == [true, true, false, false, false])
        for _ in 0..<4 { _ = scheduler.enqueue(packet, priority: .housekeeping) }
        // Length field says 20 octets, 19 given; and a version-7 header.
        let short = scheduler.enqueue(Array(packet.dropLast()), priority: .housekeeping)
        let version7 = scheduler.enqueue([0xE0, 0, 0, 0, 0, 0, 0], priority: .playback)
        #expect(!short && !version7)
        let stats = scheduler.statistics
        #expect(stats[.event].queued == 2 && stats[.event].droppedQueueFull == 3 && stats[.event].droppedInvalid == 0)
        #expect(stats[.housekeeping].queued == 3 && stats[.housekeeping].dropped(.queueFull) == 1 && stats[.housekeeping].dropped(.invalidPacket) == 1)
        #expect(stats[.playback].queued == 0 && stats[.playback].droppedInvalid == 1 && stats[.playback].dropped == 1)
        #expect(stats[.event].depth == 2 && stats[.housekeeping].depth == 3)
        // One frame takes all five (5 × 20 octets); the queues have room again.
        _ = scheduler.pump(now: t0)
        #expect(scheduler.depth(.event) == 0 && scheduler.depth(.housekeeping) == 0)
        let result14 = scheduler.enqueue(packet, priority: .event)
        #expect(result14)
        #expect(scheduler.statistics[.event].sent == 2 && scheduler.statistics[.housekeeping].sent == 3)
    }

    @Test func clcwOfEachVirtualChannelInTurnInTheOCF() throws {
        let report = CLCWReport(virtualChannels: [0, 1])
        report.update(CLCW(virtualChannel: 0, lockout: true, reportValue: 5))
        report.update(CLCW(virtualChannel: 1, wait: true, reportValue: 9))
        var scheduler = makeScheduler(clcw: report)
        let frames = (0..<3).flatMap { scheduler.pump(now: t0 + ms(128 * Int64($0))) }
        // OCF at octets 1018…1021 (6 header + 1012 data). Hand-assembled CLCW words:
        // VC 0: COP-1 (bit 24) | lockout (bit 13) | V(R) 5  = 0x0100_2005
        // VC 1: COP-1 | VC 1 (bit 18) | wait (bit 12) | V(R) 9 = 0x0104_1009
        #expect(Array(frames[0][1018..<1022]) == [0x01, 0x00, 0x20, 0x05])
        #expect(Array(frames[1][1018..<1022]) == [0x01, 0x04, 0x10, 0x09])
        #expect(Array(frames[2][1018..<1022]) == [0x01, 0x00, 0x20, 0x05])
        #expect(try TMFrame.decode(frames[1][...], configuration: tmConfiguration).clcw == CLCW(virtualChannel: 1, wait: true, reportValue: 9))
    }

    @Test func fixedCLCWWithoutReport() throws {
        var scheduler = makeScheduler()
        scheduler.setCLCW(CLCW(virtualChannel: 0, retransmit: true, reportValue: 3))
        let frame = try TMFrame.decode(scheduler.pump(now: t0)[0][...], configuration: tmConfiguration)
        #expect(frame.operationalControlField == 0x0100_0803)
    }
}

@Suite struct DownlinkSocketTests {
    @Test(.timeLimit(.minutes(1))) func framesReachTheGroundIntactAndInOrder() throws {
        let ground = try UDPSocket(boundTo: .loopback(port: 0))
        // 8.192 Mbit/s: one 1024-octet frame per millisecond, to keep the test short.
        let downlink = Downlink(configuration: DownlinkConfiguration(frame: tmConfiguration, bitRate: 8_192_000), clock: TestSystemClock())
        let packets = (0..<60).map { telemetryPacket(apid: 0x20, sequenceCount: UInt16($0), length: 40 + 37 * $0, tag: UInt8($0)) }
        for packet in packets { #expect(downlink.enqueue(packet, priority: .housekeeping)) }
        try downlink.start(destination: try ground.localAddress())
        defer { downlink.stop() }
        #expect(downlink.flush(timeout: .seconds(3)))

        var decoder = TMFrameDecoder(configuration: tmConfiguration)
        var received: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        var datagramSizes = Set<Int>()
        let clock = TestSystemClock()
        let deadline = clock.now + .seconds(3)
        while received.count < packets.count, clock.now < deadline {
            guard let datagram = try ground.receive(into: &buffer, timeout: .milliseconds(100)) else { continue }
            datagramSizes.insert(datagram.count)
            received += decoder.receive(buffer[0..<datagram.count])
        }
        #expect(received == packets)
        #expect(datagramSizes == [1024])
        #expect(decoder.statistics.framesRejected == 0 && decoder.statistics.masterChannelFramesLost == 0)
        let stats = downlink.statistics
        #expect(stats[.housekeeping].sent == 60)
        #expect(stats.sendErrors == 0)
        #expect(stats.datagramsSent >= stats.framesPerVirtualChannel[0])
    }

    @Test(.timeLimit(.minutes(1))) func sendErrorsAreCountedAndTheSenderGoesOn() throws {
        // A port nobody listens on: bind one, note it, close it.
        let probe = try UDPSocket(boundTo: .loopback(port: 0))
        let nowhere = try probe.localAddress()
        probe.close()
        let downlink = Downlink(configuration: DownlinkConfiguration(frame: tmConfiguration, bitRate: 8_192_000), clock: TestSystemClock())
        try downlink.start(destination: nowhere)
        defer { downlink.stop() }
        // ECONNREFUSED (the pending ICMP error of the previous frame) is a refusal: the frame is
        // sent again at once, so it is counted per destination but no frame is lost.
        #expect(waitUntil { (downlink.statistics.destinations.first?.refused ?? 0) >= 3 })
        let framesSoFar = downlink.statistics.frames
        #expect(waitUntil { downlink.statistics.frames > framesSoFar + 10 }) // still sending
        let stats = downlink.statistics
        #expect(stats.lastSendError == .send(errno: ECONNREFUSED))
        #expect(stats.destinations.first?.lastError == .send(errno: ECONNREFUSED))
        #expect(stats.sendErrors == 0 && stats.destinations.first?.errors == 0)
        #expect(downlink.isRunning)
        #expect(throws: LinkError.alreadyRunning) { try downlink.start(destination: nowhere) }
        downlink.stop()
        downlink.stop() // idempotent
        #expect(!downlink.isRunning)
    }

    @Test(.timeLimit(.minutes(1))) func sendsAboutTheConfiguredFrameRate() throws {
        // 819.2 kbit/s: 100 frames/s. Over 0.5 s expect ~50 frames; the margin is wide on
        // purpose (a shared CI machine), the check is for gross errors (bursting, stalling).
        let ground = try UDPSocket(boundTo: .loopback(port: 0))
        let downlink = Downlink(configuration: DownlinkConfiguration(frame: tmConfiguration, bitRate: 819_200), clock: TestSystemClock())
        try downlink.start(destination: try ground.localAddress())
        defer { downlink.stop() }
        var buffer = [UInt8](repeating: 0, count: 2048)
        let clock = TestSystemClock()
        _ = try ground.receive(into: &buffer, timeout: .seconds(2)) // the first frame starts the window
        let start = clock.now
        var frames = 0
        while clock.now < start + .milliseconds(500) {
            if try ground.receive(into: &buffer, timeout: .milliseconds(20)) != nil { frames += 1 }
        }
        let expected = (clock.now - start).secondsDouble * downlink.pacing.framesPerSecond
        #expect(Double(frames) > expected * 0.5 && Double(frames) < expected * 1.5, "\(frames) frames, expected ~\(expected)")
    }

    @Test func flushWithoutSenderReportsNotDrained() {
        let downlink = Downlink(configuration: DownlinkConfiguration(frame: tmConfiguration), clock: TestSystemClock())
        #expect(downlink.flush(timeout: .milliseconds(10))) // nothing queued
        downlink.enqueue(telemetryPacket(apid: 1, sequenceCount: 0, length: 10, tag: 0), priority: .event)
        #expect(!downlink.flush(timeout: .milliseconds(10)))
        #expect(downlink.pump(now: t0).count == 1)
        #expect(downlink.isDrained)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
