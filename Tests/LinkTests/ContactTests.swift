import Foundation
import HAL
import SpaceLink
import Testing
@testable import Link

/// The transitions a monitor reported, in order.
final class TransitionLog: Sendable {
    private let transitions = LockedValue<[ContactTransition]>([])
    func record(_ transition: ContactTransition) { transitions.withLock { $0.append(transition) } }
    var all: [ContactTransition] { transitions.current }
}

/// A scripted input line standing in for a radio's carrier-detect output.
final class ScriptedLine: GPIOInputLine {
    var level = false
    var failing = false
    func get() throws(GPIOError) -> Bool {
        if failing { throw GPIOError(.io, chip: "test", line: .offset(3), operation: "get", errno: 5) }
        return level
    }
    func release() {}
}

/// The master channel, virtual channel and VC ID of each frame.
func frameHeaders(_ frames: [[UInt8]]) throws -> [TMFrameHeader] {
    try frames.map { try TMFrame.decode($0[...], configuration: tmConfiguration).header }
}

/// Whether each count follows the previous one by exactly one (mod 256).
func contiguous(_ counts: [UInt8]) -> Bool {
    zip(counts, counts.dropFirst()).allSatisfy { $1 == $0 &+ 1 }
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("iost-contact-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct PassScheduleTests {
    @Test func contactIsPeriodicFromTheFirstAcquisition() {
        let schedule = PassSchedule(period: .seconds(5), contact: .seconds(2), firstAcquisition: .seconds(1))
        let expected: [(Duration, Bool)] = [
            (.zero, false), (.milliseconds(999), false), (.seconds(1), true), (.milliseconds(2999), true), (.seconds(3), false),
            (.milliseconds(5999), false), (.seconds(6), true), (.seconds(8), false), (.seconds(5 * 1000 + 1), true),
        ]
        for (elapsed, inContact) in expected {
            #expect(schedule.isInContact(elapsed: elapsed) == inContact, "at \(elapsed)")
        }
        // A pass as long as the period: always in contact after the first acquisition.
        #expect(PassSchedule(period: .seconds(2), contact: .seconds(2)).isInContact(elapsed: .seconds(7)))
    }

    @Test func monitorCountsPassesAndReportsDurations() {
        let passes = ScheduledPasses(schedule: PassSchedule(period: .seconds(5), contact: .seconds(2)), epoch: t0)
        let monitor = ContactMonitor(source: passes)
        let log = TransitionLog()
        monitor.observe(log.record)
        #expect(!monitor.isInContact && monitor.passes == 0)
        for step in 0..<120 { monitor.update(now: t0 + ms(100 * Int64(step))) } // 12 s
        #expect(
            log.all == [
                .acquisition(pass: 1, time: t0), .loss(pass: 1, duration: .seconds(2), time: t0 + ms(2000)),
                .acquisition(pass: 2, time: t0 + ms(5000)), .loss(pass: 2, duration: .seconds(2), time: t0 + ms(7000)),
                .acquisition(pass: 3, time: t0 + ms(10_000)),
            ])
        #expect(monitor.isInContact && monitor.passes == 3)
        var edge = ContactEdge()
        let first = edge.acquired(monitor)
        let second = edge.acquired(monitor)
        #expect(first && !second)
    }
}

@Suite struct CarrierDetectTests {
    @Test func levelMustHoldForTheDebounceTime() {
        let line = ScriptedLine()
        let carrier = CarrierDetectLine(line: line, debounce: ms(50))
        let monitor = ContactMonitor(source: carrier)
        let log = TransitionLog()
        monitor.observe(log.record)
        monitor.update(now: t0)
        #expect(!monitor.isInContact)
        // A 30 ms glitch makes no pass.
        line.level = true
        monitor.update(now: t0 + ms(10))
        monitor.update(now: t0 + ms(40))
        line.level = false
        monitor.update(now: t0 + ms(50))
        line.level = true
        monitor.update(now: t0 + ms(60))
        monitor.update(now: t0 + ms(100))
        #expect(!monitor.isInContact)
        monitor.update(now: t0 + ms(110)) // high since 60 ms: 50 ms held
        #expect(monitor.isInContact)
        // A read error holds the state and is counted.
        line.failing = true
        monitor.update(now: t0 + ms(200))
        #expect(monitor.isInContact && monitor.statistics.sourceReadErrors == 1)
        line.failing = false
        line.level = false
        monitor.update(now: t0 + ms(300))
        monitor.update(now: t0 + ms(349))
        #expect(monitor.isInContact)
        monitor.update(now: t0 + ms(350))
        #expect(!monitor.isInContact)
        #expect(log.all == [.acquisition(pass: 1, time: t0 + ms(110)), .loss(pass: 1, duration: ms(240), time: t0 + ms(350))])
    }

    @Test func gatesTheDownlink() throws {
        let line = ScriptedLine()
        let monitor = ContactMonitor(source: CarrierDetectLine(line: line, debounce: .zero), pollInterval: ms(1))
        let downlink = Downlink(configuration: DownlinkConfiguration(frame: tmConfiguration), clock: TestSystemClock(), contact: monitor)
        #expect(downlink.pump(now: t0).isEmpty)
        line.level = true
        #expect(downlink.pump(now: t0 + ms(128)).count == 1)
        line.level = false
        #expect(downlink.pump(now: t0 + ms(256)).isEmpty)
        #expect(downlink.pump(now: t0 + ms(384)).isEmpty)
        line.level = true
        let frames = downlink.pump(now: t0 + ms(512))
        #expect(try frameHeaders(frames).map(\.masterChannelFrameCount) == [1])
    }
}

@Suite struct ContactGatingTests {
    /// 64 kbit/s, 1024-octet frames: one frame every 128 ms.
    let configuration = DownlinkConfiguration(frame: tmConfiguration)

    @Test func noFramesOutOfContactAndCountsContiguousAcrossThePass() throws {
        let monitor = ContactMonitor(source: ScheduledPasses(schedule: PassSchedule(period: .seconds(5), contact: .seconds(2)), epoch: t0), pollInterval: ms(1))
        let downlink = Downlink(configuration: configuration, clock: TestSystemClock(), contact: monitor)
        let packet = telemetryPacket(apid: 0x20, sequenceCount: 0, length: 100, tag: 1)
        var frames: [(time: Int64, frame: [UInt8])] = []
        var decoder = TMFrameDecoder(configuration: tmConfiguration)
        var decoded: [[UInt8]] = []
        for step: Int64 in 0..<(7000 / 16) {
            let milliseconds = step * 16
            let now = t0 + ms(milliseconds)
            if milliseconds == 1008 { #expect(downlink.enqueue(packet, priority: .housekeeping)) }
            if milliseconds == 3008 {
                // Out of contact: real-time accepted and discarded, playback held.
                #expect(downlink.enqueue(telemetryPacket(apid: 0x20, sequenceCount: 1, length: 100, tag: 2), priority: .event))
                #expect(downlink.enqueue(telemetryPacket(apid: 0x20, sequenceCount: 2, length: 100, tag: 3), priority: .housekeeping))
                #expect(downlink.enqueue(telemetryPacket(apid: 0x21, sequenceCount: 7, length: 100, tag: 4), priority: .playback))
            }
            for frame in downlink.pump(now: now) {
                frames.append((milliseconds, frame))
                decoded += decoder.receive(frame)
            }
        }
        let times = frames.map(\.time)
        #expect(!times.contains { $0 >= 2000 && $0 < 5000 }, "frames out of contact at \(times.filter { $0 >= 2000 && $0 < 5000 })")
        #expect(times.filter { $0 < 2000 }.count == 16) // slots 0…15 of 128 ms
        #expect(times.filter { $0 >= 5000 }.count == 16)
        let headers = try frameHeaders(frames.map(\.frame))
        #expect(contiguous(headers.map(\.masterChannelFrameCount)))
        #expect(headers.first?.masterChannelFrameCount == 0)
        for vc: UInt8 in [0, 1, 7] {
            let counts = headers.filter { $0.virtualChannel == vc }.map(\.virtualChannelFrameCount)
            #expect(counts.first == 0 && contiguous(counts), "VC \(vc): \(counts)")
        }
        // The slot clock restarted at AOS: no burst, no missed slots.
        #expect(downlink.statistics.missedSlots == 0)
        #expect(monitor.statistics.realTimeDiscarded == 2)
        // The real-time packet went in the first pass, the playback one in the second, the LOS ones never.
        #expect(decoded.map { $0[$0.count - 1] } == [1, 4])
        #expect(headers.filter { $0.virtualChannel == 1 }.count == 1)
    }

    @Test func realTimeQueuedAtLossOfSignalIsDiscardedAndCounted() {
        let monitor = ContactMonitor(source: ScheduledPasses(schedule: PassSchedule(period: .seconds(5), contact: .seconds(2)), epoch: t0), pollInterval: ms(1))
        let downlink = Downlink(configuration: configuration, clock: TestSystemClock(), contact: monitor)
        #expect(downlink.pump(now: t0).count == 1)
        for sequence in 0..<20 {
            #expect(downlink.enqueue(telemetryPacket(apid: 0x20, sequenceCount: UInt16(sequence), length: 900, tag: 5), priority: .housekeeping))
        }
        #expect(downlink.pump(now: t0 + ms(128)).count == 1)
        #expect(downlink.statistics[.housekeeping].sent == 2)
        #expect(downlink.pump(now: t0 + ms(2000)).isEmpty)
        #expect(downlink.statistics[.housekeeping].depth == 0)
        // Some went down before (they are in frames), the rest were in the queue at LOS.
        #expect(monitor.statistics.realTimeDiscarded + downlink.statistics[.housekeeping].sent == 20)
        #expect(monitor.statistics.realTimeDiscarded > 0)
    }

    /// The real thing on loopback UDP in real time: 2 s of contact, 3 s without, twice.
    @Test(.timeLimit(.minutes(1))) func scheduleGatesBothDirectionsOnLoopback() throws {
        let clock = TestSystemClock()
        let ground = try UDPSocket(boundTo: .loopback(port: 0))
        let log = TransitionLog()
        let epoch = clock.now
        let monitor = ContactMonitor(source: ScheduledPasses(schedule: PassSchedule(period: .seconds(5), contact: .seconds(2)), epoch: epoch))
        monitor.observe(log.record)
        let downlink = Downlink(configuration: configuration, clock: clock, contact: monitor)
        let sink = PacketSink()
        let uplink = Uplink(configuration: UplinkConfiguration(spacecraftID: spacecraftID), contact: monitor, handler: sink.take)
        try uplink.start(listeningOn: .loopback(port: 0))
        defer { uplink.stop() }
        let radio = try UDPSocket(family: try #require(uplink.localAddress).family)
        try radio.connect(to: try #require(uplink.localAddress))
        defer { radio.close() }
        try downlink.start(destination: try ground.localAddress())
        defer { downlink.stop() }

        var received: [(time: Duration, frame: [UInt8])] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        var sent: Set<Int> = []
        let plan: [(at: Duration, count: UInt16)] = [(ms(1000), 0), (ms(3500), 1), (ms(5800), 2)]
        while clock.now.duration(since: epoch) < ms(6500) {
            let elapsed = clock.now.duration(since: epoch)
            for (index, step) in plan.enumerated() where !sent.contains(index) && elapsed >= step.at {
                try radio.send(bdFrame([telecommand(step.count)]))
                sent.insert(index)
            }
            if let datagram = try ground.receive(into: &buffer, timeout: ms(20)) {
                received.append((clock.now.duration(since: epoch), Array(buffer[0..<datagram.count])))
            }
        }
        let times = received.map(\.time)
        // 64 kbit/s: 7.8 frames/s in contact; none in the gap (a poll interval of margin each side).
        #expect(times.filter { $0 < ms(2000) }.count >= 12)
        #expect(!times.contains { $0 > ms(2150) && $0 < ms(4950) }, "frames out of contact at \(times)")
        #expect(times.filter { $0 >= ms(5000) }.count >= 8)
        let headers = try frameHeaders(received.map(\.frame))
        #expect(contiguous(headers.map(\.masterChannelFrameCount)), "\(headers.map(\.masterChannelFrameCount))")
        #expect(contiguous(headers.filter { $0.virtualChannel == 7 }.map(\.virtualChannelFrameCount)))
        // The uplink took the frames sent in contact and discarded the one sent out of contact.
        #expect(waitUntil { sink.received.count == 2 })
        #expect(sink.bytes == [telecommand(0), telecommand(2)])
        #expect(monitor.statistics.uplinkDiscarded == 1)
        #expect(uplink.statistics.datagramsReceived == 2)
        // AOS, LOS, AOS, on the downlink's thread.
        let transitions = log.all
        #expect(transitions.count == 3)
        if transitions.count == 3 {
            guard case .acquisition(1, _) = transitions[0], case .loss(1, let duration, _) = transitions[1], case .acquisition(2, _) = transitions[2] else {
                Issue.record("unexpected transitions \(transitions)")
                return
            }
            #expect(duration > ms(1800) && duration < ms(2200))
        }
    }
}

@Suite struct FrameCountPersistenceTests {
    let configuration = DownlinkConfiguration(frame: tmConfiguration)

    /// Pumps `count` frame slots from `start` (128 ms apart) and returns the frames.
    func pump(_ downlink: Downlink, slots count: Int, from start: MonotonicInstant) -> [[UInt8]] {
        (0..<count).flatMap { downlink.pump(now: start + ms(128 * Int64($0))) }
    }

    @Test func fileLayoutIsByteExact() throws {
        let counts = TMFrameCounts(master: 0x12, virtualChannels: [1, 2, 3, 4, 5, 6, 7, 8])
        let bytes = FrameCountFile.encode(counts)
        #expect(Array(bytes[0..<14]) == [0x49, 0x4F, 0x46, 0x43, 0x01, 0x12, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(bytes.count == 16)
        #expect(UInt16(bytes[14]) << 8 | UInt16(bytes[15]) == CRC16.compute(bytes[0..<14]))
        #expect(try FrameCountFile.decode(bytes).get() == counts)
        var damaged = bytes
        damaged[7] ^= 0x10
        #expect(FrameCountFile.decode(damaged) == .failure(FrameCountFileError(.badCRC)))
        var foreign = bytes
        foreign[4] = 2
        #expect(FrameCountFile.decode(foreign) == .failure(FrameCountFileError(.wrongVersion)))
        #expect(FrameCountFile.decode(Array(bytes.prefix(15))) == .failure(FrameCountFileError(.wrongSize)))
        #expect(FrameCountFile.decode([0x00] + Array(bytes.dropFirst())) == .failure(FrameCountFileError(.wrongMagic)))
    }

    @Test func missingOrCorruptFilesStartAtZero() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + FrameCountFile.fileName
        #expect(FrameCountFile.load(path: path) == (.zero, .missing))
        try Data([0x49, 0x4F, 0x46]).write(to: URL(fileURLWithPath: path))
        #expect(FrameCountFile.load(path: path) == (.zero, .invalid(.wrongSize)))
        var bytes = FrameCountFile.encode(TMFrameCounts(master: 9))
        bytes[5] = 10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(FrameCountFile.load(path: path) == (.zero, .invalid(.badCRC)))
    }

    @Test func countsContinueAcrossACleanRestart() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = FrameCountFile(stateDirectory: directory)
        let first = Downlink(configuration: configuration, clock: TestSystemClock(), frameCountFile: file)
        for sequence in 0..<30 { first.enqueue(telemetryPacket(apid: 0x20, sequenceCount: UInt16(sequence), length: 500, tag: 1), priority: .housekeeping) }
        let before = try frameHeaders(pump(first, slots: 300, from: t0)) // wraps the 8-bit counts
        try first.recordFrameCounts()
        let (counts, restored) = FrameCountFile.load(path: file.path)
        #expect(restored == .restored(counts))
        let second = Downlink(configuration: configuration, clock: TestSystemClock(), frameCounts: counts, frameCountFile: file)
        second.enqueue(telemetryPacket(apid: 0x20, sequenceCount: 30, length: 500, tag: 1), priority: .housekeeping)
        let after = try frameHeaders(pump(second, slots: 20, from: t0 + .seconds(100)))
        let all = before + after
        #expect(contiguous(all.map(\.masterChannelFrameCount)))
        for vc: UInt8 in [0, 7] {
            #expect(contiguous(all.filter { $0.virtualChannel == vc }.map(\.virtualChannelFrameCount)), "VC \(vc)")
        }
    }

    @Test func afterACrashCountsJumpForwardWithinTheBlock() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = FrameCountFile(stateDirectory: directory)
        // Every frame count from 1 to 400 frames sent before the crash.
        for sent in [1, 119, 120, 121, 239, 240, 241, 400] {
            try? FileManager.default.removeItem(atPath: file.path)
            var crashed: Downlink? = Downlink(configuration: configuration, clock: TestSystemClock(), frameCountFile: file)
            for sequence in 0..<5 { crashed?.enqueue(telemetryPacket(apid: 0x20, sequenceCount: UInt16(sequence), length: 700, tag: 1), priority: .housekeeping) }
            let before = try frameHeaders(pump(try #require(crashed), slots: sent, from: t0))
            crashed = nil // no clean close: what the file holds is the last reservation
            let (counts, restored) = FrameCountFile.load(path: file.path)
            #expect(restored == .restored(counts))
            let second = Downlink(configuration: configuration, clock: TestSystemClock(), frameCounts: counts, frameCountFile: file)
            second.enqueue(telemetryPacket(apid: 0x20, sequenceCount: 5, length: 700, tag: 1), priority: .housekeeping)
            let after = try frameHeaders(pump(second, slots: 3, from: t0 + .seconds(1000)))
            let last = try #require(before.last), next = try #require(after.first)
            let jump = Int(next.masterChannelFrameCount &- last.masterChannelFrameCount)
            #expect(jump >= 1 && jump <= file.block + 1, "after \(sent) frames: jump \(jump)")
            for vc: UInt8 in [0, 7] {
                guard let lastOfVC = before.last(where: { $0.virtualChannel == vc }), let nextOfVC = after.first(where: { $0.virtualChannel == vc }) else { continue }
                let step = Int(nextOfVC.virtualChannelFrameCount &- lastOfVC.virtualChannelFrameCount)
                #expect(step >= 1 && step <= file.block + 1, "VC \(vc) after \(sent) frames: step \(step)")
            }
        }
    }

    @Test func aWriteFailureIsReportedOnceAndFramesGoOn() throws {
        let notices = LockedValue<[DownlinkNotice]>([])
        let file = FrameCountFile(path: "/nonexistent-iost-dir/frame-counts")
        let downlink = Downlink(configuration: configuration, clock: TestSystemClock(), frameCountFile: file, notice: { notice in notices.withLock { $0.append(notice) } })
        #expect(pump(downlink, slots: 10, from: t0).count == 10)
        #expect(notices.current.count == 1)
        if case .frameCountWriteFailed(let error) = notices.current.first { #expect(error.errno == ENOENT) } else { Issue.record("no failure notice") }
    }
}
