import Foundation
@testable import Ground
import HAL
import Link
import SpaceLink
import Testing

/// A fake spacecraft on loopback: takes one TC frame, checks it, and answers with the TM
/// packets `answer` gives, framed by SpaceLink's master channel and sent to the sender.
final class FakeSpacecraft: @unchecked Sendable {
    let socket: UDPSocket
    let address: SocketAddress
    /// The TC frames and packets received, for checks after the exchange.
    let received = LockedValue<[(frame: TCFrame, telecommand: PUSTelecommand)]>([])
    private let done = DispatchSemaphore(value: 0)

    init() throws {
        socket = try UDPSocket(boundTo: .loopback(port: 0))
        address = try socket.localAddress()
    }

    /// Serves one telecommand on a background thread. `clcw`, if given, is first sent to
    /// `announceTo` in an idle frame (for type-AD exchanges), and is the OCF of every frame.
    func serve(
        clcw: CLCW = CLCW(virtualChannel: 0), announceTo: SocketAddress? = nil,
        answer: @escaping @Sendable (PUSTelecommand, inout PUSTelemetrySource) -> [[UInt8]]
    ) {
        let socket = self.socket
        let received = self.received
        let done = self.done
        Thread {
            defer { done.signal() }
            var channel = TMMasterChannel(configuration: TMFrameConfiguration(spacecraftID: 42, frameLength: 512), clcw: clcw)
            if let announceTo { try? socket.send(channel.nextFrame(), to: announceTo) }
            var buffer = [UInt8](repeating: 0, count: 2048)
            guard let datagram = try? socket.receive(into: &buffer, timeout: .seconds(5)), let sender = datagram.sender,
                let frame = try? TCFrameDecoder(configuration: TCFrameConfiguration(spacecraftID: 42)).decode(buffer[0..<datagram.count]),
                let telecommand = try? PUSTelecommand.decode(frame.data, expectedAPID: 0x123)
            else { return }
            received.withLock { $0.append((frame, telecommand)) }
            var source = PUSTelemetrySource(apid: 0x123)
            for packet in answer(telecommand, &source) {
                try? channel.enqueue(packet, virtualChannel: 0)
                // One frame per report, as a paced downlink would send them.
                channel.flush(virtualChannel: 0)
                for frame in channel.drainFrames() { try? socket.send(frame, to: sender) }
            }
        }.start()
    }

    func wait() { done.wait() }
}

@Suite("Ground: command exchange over loopback", .serialized)
struct LoopbackTests {
    func exchange(timeout: Duration = .seconds(3), frameType: TCFrameType = .bd) throws -> (CommandExchange, UDPSocket, MissionInformationBase) {
        let mib = try fixtureMIB()
        let ground = try CommandExchange.listen(on: .loopback(port: 0))
        return (CommandExchange(mib: mib, framing: UplinkFraming(spacecraftID: mib.spacecraftID, frameType: frameType), uplink: .loopback(port: 0), timeout: timeout), ground, mib)
    }

    @Test("send ping: accepted, started, completed and the TM[17,2] reply; exit 0")
    func ping() throws {
        let (made, ground, mib) = try exchange()
        var exchange = made
        defer { ground.close() }
        let spacecraft = try FakeSpacecraft()
        defer { spacecraft.socket.close() }
        exchange.uplink = spacecraft.address
        spacecraft.serve { tc, source in
            [
                source.encode(MessageType(1, 1), time: vectorTime, sourceData: VerificationReport.acceptanceSuccess(tc.requestID).sourceData),
                source.encode(MessageType(1, 3), time: vectorTime, sourceData: VerificationReport.startSuccess(tc.requestID).sourceData),
                source.encode(.areYouAliveReport, time: vectorTime),
                source.encode(MessageType(1, 7), time: vectorTime, sourceData: VerificationReport.completionSuccess(tc.requestID).sourceData),
            ]
        }
        var events: [ExchangeEvent] = []
        let request = try CommandParser(mib: mib).parse(["ping"])
        let result = try exchange.run(request, sequenceCount: 5, socket: ground) { events.append($0) }
        spacecraft.wait()
        #expect(result == .completed)
        #expect(result.exitCode == 0)
        let outcomes = events.compactMap { if case .outcome(let outcome) = $0 { outcome } else { nil } }
        #expect(outcomes == [.accepted, .started, .completed])
        #expect(events.contains { if case .reply(let packet) = $0 { packet.content == .connectionTestReport } else { false } })
        guard case .sent(let id, 0, let frame)? = events.first else {
            Issue.record("first event: \(String(describing: events.first))")
            return
        }
        #expect(id == RequestID(packetID: 0x1923, sequenceControl: 0xC005))
        // The frame on the wire: SCID 42, VC 0, type-BD, the TC[17,1] vector packet.
        #expect(hexString(frame) == "202a001400c01923c00500062f11010000616d" + hexString(Array(frame.suffix(2))))
        let received = spacecraft.received.current
        #expect(received.count == 1)
        #expect(received.first?.frame.type == .bd)
        #expect(received.first?.telecommand.messageType == .areYouAlive)
        #expect(received.first?.telecommand.acknowledgementFlags == .all)
    }

    @Test("a failure report ends the exchange with exit 1 and the code's name")
    func failure() throws {
        let (made, ground, mib) = try exchange()
        var exchange = made
        defer { ground.close() }
        let spacecraft = try FakeSpacecraft()
        defer { spacecraft.socket.close() }
        exchange.uplink = spacecraft.address
        spacecraft.serve { tc, source in
            // Another request's report first: it must be ignored.
            let other = RequestID(packetID: 0x1923, sequenceControl: 0xC000 | 1234)
            return [
                source.encode(MessageType(1, 1), time: vectorTime, sourceData: VerificationReport.acceptanceSuccess(other).sourceData),
                source.encode(MessageType(1, 2), time: vectorTime, sourceData: VerificationReport.acceptanceFailure(tc.requestID, FailureNotice(.notAllowedInMode, data: [3])).sourceData),
            ]
        }
        var outcomes: [String] = []
        let result = try exchange.run(try CommandParser(mib: mib).parse(["mode", "EMERGENCY"]), sequenceCount: 77, socket: ground) { event in
            if case .outcome(let outcome) = event { outcomes.append("\(outcome)") }
        }
        spacecraft.wait()
        #expect(outcomes == ["failed: not_allowed_in_mode (8) at acceptance, failure data 0x03"])
        #expect(result.exitCode == 1)
    }

    @Test("no answer: timeout with exit 2")
    func timeout() throws {
        let (made, ground, mib) = try exchange(timeout: .milliseconds(300))
        var exchange = made
        defer { ground.close() }
        let spacecraft = try FakeSpacecraft()
        defer { spacecraft.socket.close() }
        exchange.uplink = spacecraft.address
        spacecraft.serve { tc, source in
            [source.encode(MessageType(1, 1), time: vectorTime, sourceData: VerificationReport.acceptanceSuccess(tc.requestID).sourceData)]
        }
        let result = try exchange.run(try CommandParser(mib: mib).parse(["hk", "now", "power"]), sequenceCount: 9, socket: ground) { _ in }
        spacecraft.wait()
        #expect(result == .timedOut(last: .accepted))
        #expect(result.exitCode == 2)
    }

    @Test("type-AD: N(S) is N(R) of the last CLCW of the virtual channel")
    func adFrame() throws {
        let (made, ground, mib) = try exchange(frameType: .ad)
        var exchange = made
        defer { ground.close() }
        let spacecraft = try FakeSpacecraft()
        defer { spacecraft.socket.close() }
        exchange.uplink = spacecraft.address
        spacecraft.serve(clcw: CLCW(virtualChannel: 0, reportValue: 41), announceTo: try ground.localAddress()) { tc, source in
            [source.encode(MessageType(1, 7), time: vectorTime, sourceData: VerificationReport.completionSuccess(tc.requestID).sourceData)]
        }
        let result = try exchange.run(try CommandParser(mib: mib).parse(["function", "release_safing_latches"]), sequenceCount: 10, socket: ground) { _ in }
        spacecraft.wait()
        #expect(result == .completed)
        #expect(spacecraft.received.current.first?.frame.type == .ad)
        #expect(spacecraft.received.current.first?.frame.sequenceNumber == 41)
    }

    @Test("a busy downlink port is reported as such")
    func busyPort() throws {
        let first = try CommandExchange.listen(on: .loopback(port: 0))
        defer { first.close() }
        let address = try first.localAddress()
        #expect(throws: ExchangeError.portBusy(address)) { _ = try CommandExchange.listen(on: address) }
        #expect(ExchangeError.portBusy(address).description.contains("port is busy"))
    }
}
