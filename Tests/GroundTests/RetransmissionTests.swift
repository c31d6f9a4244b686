import Foundation
@testable import Ground
import HAL
import Link
import SpaceLink
import Testing

/// `iost-ground send --ad` against a FARM-1 in Wait: the frame is discarded while the vehicle's
/// command queue is full, and sent again once the CLCW shows Wait cleared with Retransmit set.
@Suite("Ground: type-AD retransmission after FARM-1 Wait", .serialized)
struct RetransmissionTests {
    @Test(.timeLimit(.minutes(1))) func aFrameDiscardedInWaitIsRetransmittedAndCompletes() throws {
        let mib = try fixtureMIB()
        let ground = try CommandExchange.listen(on: .loopback(port: 0))
        defer { ground.close() }
        let groundAddress = try ground.localAddress()
        let vehicle = try UDPSocket(boundTo: .loopback(port: 0))
        defer { vehicle.close() }
        let room = LockedValue(false) // the command queue is full at first
        let frames = LockedValue<[UplinkDisposition]>([])
        let accepted = LockedValue<[UplinkPacket]>([])
        let report = CLCWReport(virtualChannels: [0])
        let uplink = Uplink(
            configuration: UplinkConfiguration(spacecraftID: 42), clcw: report, bufferAvailable: { room.current },
            handler: { packet in accepted.withLock { $0.append(packet) } })
        let stop = LockedValue(false)
        // The vehicle: TC frames in, a TM frame with the CLCW every 20 ms out; the queue gets room
        // after 300 ms; the accepted TC is answered with TM[1,1] and TM[1,7].
        let thread = Thread {
            var channel = TMMasterChannel(configuration: TMFrameConfiguration(spacecraftID: 42, frameLength: 512))
            var source = PUSTelemetrySource(apid: 0x123)
            var buffer = [UInt8](repeating: 0, count: 2048)
            let start = Date()
            var answered = false
            while !stop.current {
                if let datagram = try? vehicle.receive(into: &buffer, timeout: .milliseconds(20)) {
                    let disposition = uplink.receive(datagram: buffer[0..<datagram.count])
                    frames.withLock { $0.append(disposition) }
                }
                if !room.current, Date().timeIntervalSince(start) > 0.3 {
                    room.withLock { $0 = true }
                    uplink.releaseBuffer()
                }
                if !answered, let packet = accepted.current.first, let tc = try? PUSTelecommand.decode(packet.bytes) {
                    answered = true
                    for type in [VerificationReport.acceptanceSuccess(tc.requestID), .completionSuccess(tc.requestID)] {
                        try? channel.enqueue(source.encode(type.messageType, time: vectorTime, sourceData: type.sourceData), virtualChannel: 0)
                    }
                    channel.flush(virtualChannel: 0)
                }
                channel.clcw = report.next()
                let out = channel.drainFrames()
                for frame in out.isEmpty ? [channel.nextFrame()] : out { try? vehicle.send(frame, to: groundAddress) }
            }
        }
        thread.start()
        defer { stop.withLock { $0 = true } }
        // The CLCW says Open, V(R) 0; the queue is full: the first frame puts FARM-1 in Wait.
        let exchange = CommandExchange(mib: mib, framing: UplinkFraming(spacecraftID: 42, frameType: .ad), uplink: try vehicle.localAddress(), timeout: .seconds(4))
        var outcomes: [VerificationOutcome] = []
        let result = try exchange.run(try CommandParser(mib: mib).parse(["ping"]), sequenceCount: 9, socket: ground) { event in
            if case .outcome(let outcome) = event { outcomes.append(outcome) }
        }
        #expect(result == .completed, "\(result) \(outcomes)")
        #expect(outcomes.prefix(2) == [.accepted, .completed])
        let seen = frames.current
        #expect(seen.first == .discarded(.noBuffer), "\(seen)")
        #expect(seen.contains(.accepted(packets: 1)), "\(seen)")
        #expect(accepted.current.count == 1)
        #expect(uplink.farmState(virtualChannel: 0) == .open)
    }
}
