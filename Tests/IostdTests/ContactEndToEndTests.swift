import Foundation
import HAL
import Link
import PeerSupport
import SpaceLink
import Testing

/// `iostd run` with short simulated passes (2 s of contact every 5 s) on loopback UDP: no
/// datagram out of contact, the frame counts contiguous across the gap, and after a `kill -9`
/// the counts go on forward from the state directory's reservation.
@Suite(.serialized) struct ContactEndToEndTests {
    static let shippedContact = """
        [link.contact]
        mode = "schedule"
        period_s = 300                 # from one acquisition of signal to the next
        contact_s = 120                # length of a pass
        first_aos_s = 0                # the first pass begins at start
        """

    /// config/sim.toml with 2 s passes every 5 s, written to a temporary file.
    static func configuration() throws -> String {
        let shipped = try String(contentsOf: PeerEnvironment.repository.appendingPathComponent("config/sim.toml"), encoding: .utf8)
        #expect(shipped.contains(shippedContact))
        let text = shipped.replacingOccurrences(of: shippedContact, with: "[link.contact]\nmode = \"schedule\"\nperiod_s = 5\ncontact_s = 2\n")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-contact-\(getpid()).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// One received frame: when (since the daemon was started), its header, and the packets it completed.
    struct Received {
        var time: Duration
        var header: TMFrameHeader
    }

    /// Runs `iostd run` and records its downlink.
    final class Daemon {
        let process = Process()
        let downlink: UDPSocket
        let started = ContinuousClock.now
        var received: [Received] = []
        var telemetry: [PUSTelemetry] = []
        var decoder = TMFrameDecoder(configuration: TMFrameConfiguration(spacecraftID: 42))

        init(configuration: String, stateDirectory: String) throws {
            downlink = try UDPSocket(boundTo: .loopback(port: 0))
            let port = try downlink.localAddress().port
            let probe = try UDPSocket(boundTo: .loopback(port: 0))
            let uplinkPort = try probe.localAddress().port
            probe.close()
            process.executableURL = PeerEnvironment.repository.appendingPathComponent(".build/debug/iostd")
            process.arguments = [
                "run", "--config", configuration, "--state-dir", stateDirectory, "--downlink", "127.0.0.1:\(port)", "--uplink", "127.0.0.1:\(uplinkPort)",
                "--duration", "60s",
            ]
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            downlink.close()
        }

        /// Receives until `duration` after the start.
        func listen(until duration: Duration) throws {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while ContinuousClock.now - started < duration {
                guard let datagram = try downlink.receive(into: &buffer, timeout: .milliseconds(20)) else { continue }
                let frame = try TMFrame.decode(buffer[0..<datagram.count], configuration: TMFrameConfiguration(spacecraftID: 42))
                received.append(Received(time: ContinuousClock.now - started, header: frame.header))
                for packet in decoder.receive(buffer[0..<datagram.count]) {
                    if let tm = try? PUSTelemetry.decode(packet) { telemetry.append(tm) }
                }
            }
        }

        func killHard() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test(.timeLimit(.minutes(2))) func passesGateTheDownlinkAndCountsSurviveAKill() throws {
        let configuration = try Self.configuration()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-contact-state-\(getpid())").path
        try? FileManager.default.removeItem(atPath: state)
        defer { try? FileManager.default.removeItem(atPath: state) }

        let first = try Daemon(configuration: configuration, stateDirectory: state)
        try first.listen(until: .seconds(9))
        let frames = first.received
        #expect(frames.count > 10)
        // The pass schedule starts when the vehicle is assembled (a moment after the process):
        // a gap of more than 2.5 s between frames, and frames after it.
        let gaps = zip(frames, frames.dropFirst()).map { $1.time - $0.time }
        let longest = gaps.max() ?? .zero
        #expect(longest > .milliseconds(2500) && longest < .milliseconds(3500), "longest silence \(longest)")
        #expect(gaps.filter { $0 > .milliseconds(1000) }.count == 1, "one silence in 9 s: \(gaps.filter { $0 > .milliseconds(1000) })")
        // Frame generation stops out of contact: the counts run on across the gap.
        let counts = frames.map(\.header.masterChannelFrameCount)
        #expect(zip(counts, counts.dropFirst()).allSatisfy { $1 == $0 &+ 1 }, "\(counts)")
        // The second pass's acquisition event comes down in that pass (TM[5,1], event 0x0B00).
        #expect(first.telemetry.contains { $0.messageType == MessageType(5, 1) && $0.sourceData.prefix(2) == [0x0B, 0x00] })
        let frameCounts = state + "/frame-counts"
        #expect(FileManager.default.fileExists(atPath: frameCounts))

        first.killHard()
        let last = try #require(frames.last).header.masterChannelFrameCount

        let second = try Daemon(configuration: configuration, stateDirectory: state)
        try second.listen(until: .seconds(4))
        let next = try #require(second.received.first).header.masterChannelFrameCount
        let jump = Int(next &- last)
        #expect(jump >= 1 && jump <= 241, "after kill -9: last MC count \(last), next \(next)")
        second.killHard()
    }
}
