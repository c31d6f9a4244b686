import Foundation
import HAL
import Link
import PeerSupport
import SpaceLink
import Testing

/// `iostd run` as a process on the simulated vehicle, talking CCSDS over real UDP sockets on
/// loopback, supervised through a real NOTIFY_SOCKET.
@Suite(.serialized) struct DaemonEndToEndTests {
    /// The daemon under test with its downlink captured.
    final class RunningDaemon {
        let process = Process()
        let downlink: UDPSocket
        let uplinkAddress: SocketAddress
        let uplink: UDPSocket
        var decoder = TMFrameDecoder(configuration: TMFrameConfiguration(spacecraftID: 42))
        var telemetry: [PUSTelemetry] = []
        /// When each of ``telemetry`` was received.
        var receivedAt: [ContinuousClock.Instant] = []
        var frames = 0
        /// Every datagram received, in order (for the independent peers).
        var capture: [UInt8] = []
        var sequence: UInt16 = 0

        /// The daemon's own state directory (`--state-dir`), unless the test passes one.
        let stateDirectory: String?

        init(arguments: [String] = [], environment: [String: String] = [:]) throws {
            stateDirectory = arguments.contains("--state-dir") ? nil : PeerEnvironment.scratchStateDirectory()
            downlink = try UDPSocket(boundTo: .loopback(port: 0))
            let downlinkPort = try downlink.localAddress().port
            let probe = try UDPSocket(boundTo: .loopback(port: 0))
            let uplinkPort = try probe.localAddress().port
            probe.close()
            uplinkAddress = .loopback(port: uplinkPort)
            uplink = try UDPSocket(family: uplinkAddress.family)
            process.executableURL = PeerEnvironment.repository.appendingPathComponent(".build/debug/iostd")
            process.arguments =
                [
                    "run", "--config", PeerEnvironment.repository.appendingPathComponent("config/sim.toml").path,
                    "--downlink", "127.0.0.1:\(downlinkPort)", "--uplink", "127.0.0.1:\(uplinkPort)",
                ] + (stateDirectory.map { ["--state-dir", $0] } ?? []) + arguments
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        deinit {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            downlink.close()
            uplink.close()
            if let stateDirectory { PeerEnvironment.removeStateDirectory(stateDirectory) }
        }

        /// Receives and decodes the downlink for `duration`, or until `until` holds.
        func listen(for duration: Duration, until done: (([PUSTelemetry]) -> Bool)? = nil) throws {
            let deadline = ContinuousClock.now + duration
            var buffer = [UInt8](repeating: 0, count: 4096)
            while ContinuousClock.now < deadline {
                guard let datagram = try downlink.receive(into: &buffer, timeout: .milliseconds(100)) else { continue }
                frames += 1
                capture.append(contentsOf: buffer[0..<datagram.count])
                for packet in decoder.receive(buffer[0..<datagram.count]) {
                    if let tm = try? PUSTelemetry.decode(packet) {
                        telemetry.append(tm)
                        receivedAt.append(ContinuousClock.now)
                    }
                }
                if let done, done(telemetry) { return }
            }
        }

        /// Sends one telecommand in a type-BD TC frame; returns its request ID.
        @discardableResult
        func send(_ type: MessageType, _ data: [UInt8] = []) throws -> RequestID {
            sequence += 1
            let packet = PUSTelecommand(apid: 0x123, sequenceCount: sequence, messageType: type, applicationData: data).encoded
            // config/sim.toml protects VC 0 with SDLS: the frame is secured with the sim key.
            try sendFrame(SimulatedUplinkSecurity.seal(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: packet)))
            return try #require(RequestID(rawPacket: packet))
        }

        func sendFrame(_ bytes: [UInt8]) throws {
            try uplink.send(bytes, to: uplinkAddress)
        }

        func reports(for request: RequestID) -> [VerificationReport] {
            telemetry.filter { $0.messageType.service == 1 }.compactMap { try? VerificationReport.decode($0.messageType, sourceData: $0.sourceData[...]) }
                .filter { $0.requestID == request }
        }

        func waitForExit(timeout: Duration) -> Int32? {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
            return process.isRunning ? nil : process.terminationStatus
        }
    }

    @Test func housekeepingVerificationAndAModeChangeOverTheSpaceLink() throws {
        let daemon = try RunningDaemon(arguments: ["--duration", "30s"])
        // Periodic housekeeping at the configured rates: attitude every 1 s, life support every 2 s.
        try daemon.listen(for: .seconds(6))
        let hk = daemon.telemetry.filter { $0.messageType == MessageType(3, 25) }
        func structure(_ tm: PUSTelemetry) -> UInt32 { tm.sourceData.prefix(4).reduce(0) { $0 << 8 | UInt32($1) } }
        let attitude = hk.filter { structure($0) == 3 }.count
        let lifeSupport = hk.filter { structure($0) == 1 }.count
        #expect(attitude >= 4 && attitude <= 7, "attitude HK in 6 s: \(attitude)")
        #expect(lifeSupport >= 2 && lifeSupport <= 4, "life-support HK in 6 s: \(lifeSupport)")
        #expect(daemon.decoder.statistics.badCRC == 0)

        // Garbage, truncated, foreign and replayed frames are dropped without harm.
        var generator = SystemRandomNumberGenerator()
        for length in [1, 3, 6, 12, 40, 300] {
            try daemon.sendFrame((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let valid = TCFrame(
            type: .bd, spacecraftID: 42, virtualChannel: 0,
            data: PUSTelecommand(apid: 0x123, sequenceCount: 900, messageType: MessageType(17, 1)).encoded
        ).encoded
        try daemon.sendFrame(Array(valid.prefix(valid.count - 3)))
        try daemon.sendFrame(TCFrame(type: .bd, spacecraftID: 7, virtualChannel: 0, data: [0x19, 0x23]).encoded)

        // TC[17,1] → TM[1,1], TM[1,7] and TM[17,2].
        let ping = try daemon.send(MessageType(17, 1))
        try daemon.listen(for: .seconds(5)) { _ in daemon.reports(for: ping).count >= 2 }
        #expect(daemon.reports(for: ping).contains(.acceptanceSuccess(ping)))
        #expect(daemon.reports(for: ping).contains(.completionSuccess(ping)))
        #expect(daemon.telemetry.contains { $0.messageType == MessageType(17, 2) })

        // TC[8,1] set_mode(SAFE) → the mode machine goes SAFE: an event and the mode in HK.
        let safe = try daemon.send(MessageType(8, 1), FunctionRequest(functionID: 1, arguments: [FunctionArgument(id: 1, value: .u8(3))]).applicationData)
        try daemon.listen(for: .seconds(5)) { telemetry in
            telemetry.contains { $0.messageType.service == 5 && $0.sourceData.prefix(2) == [0x05, 0x03] }
                && telemetry.contains { $0.messageType == MessageType(3, 25) && structure($0) == 3 && $0.sourceData.dropFirst(4).first == 3 }
        }
        #expect(daemon.reports(for: safe).contains(.completionSuccess(safe)), "\(daemon.reports(for: safe))")
        #expect(daemon.telemetry.contains { $0.messageType == MessageType(5, 3) && $0.sourceData.prefix(2) == [0x05, 0x03] }, "mode_safe event")
        let lastAttitude = try #require(daemon.telemetry.last { $0.messageType == MessageType(3, 25) && structure($0) == 3 })
        #expect(lastAttitude.sourceData.dropFirst(4).first == 3, "fdir.mode (u8) is the first HK value: SAFE")

        // Still running after all of it; SIGTERM → exit 0.
        #expect(daemon.process.isRunning)
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }

    /// The downlink of the real daemon decodes with spacepackets and puslib with zero errors, and a
    /// TC built by spacepackets is accepted, executed and verified.
    @Test func independentPeersReadTheDownlinkAndCommandTheDaemon() throws {
        let daemon = try RunningDaemon(arguments: ["--duration", "30s"])
        try daemon.listen(for: .seconds(5))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-peers-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("frames.bin")
        try Data(daemon.capture).write(to: file)
        let peer = try ChildProcess(
            try PeerEnvironment.python(),
            [PeerEnvironment.repository.appendingPathComponent("tests/peers/downlink_check.py").path, file.path, "1024", "42"])
        let line = try #require(peer.waitForLine(timeout: .seconds(30)) { $0.hasPrefix("{") })
        let result = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((result["errors"] as? [String]) == [], "\(result["errors"] ?? "")")
        #expect((result["frames"] as? Int ?? 0) >= 30)
        let kinds = result["kinds"] as? [String: Int] ?? [:]
        #expect((kinds["3,25"] ?? 0) >= 5, "\(kinds)")
        #expect((kinds["5,1"] ?? 0) >= 1, "\(kinds)")

        // spacepackets' TC[17,1], in our TC frame: accepted, executed, answered.
        let tc = try #require(hexBytes(result["ping_tc"] as? String ?? ""))
        let request = try #require(RequestID(rawPacket: tc))
        try daemon.sendFrame(SimulatedUplinkSecurity.seal(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: tc)))
        try daemon.listen(for: .seconds(5)) { _ in daemon.reports(for: request).contains(.completionSuccess(request)) }
        #expect(daemon.reports(for: request).contains(.acceptanceSuccess(request)))
        #expect(daemon.reports(for: request).contains(.completionSuccess(request)))
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }

    @Test func readyAndWatchdogOnlyWhileHealthy() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-notify-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("notify").path
        let socket = try UnixDatagramReceiver(path: path)
        defer { socket.close() }
        // Watchdog pings every 100 ms (WATCHDOG_USEC/2); the monitoring group blocks for 3 s at 3 s.
        let daemon = try RunningDaemon(
            arguments: ["--duration", "9s", "--inject-stall", "3s:3s"],
            environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"])
        var messages: [(time: ContinuousClock.Instant, text: String)] = []
        let deadline = ContinuousClock.now + .seconds(12)
        while ContinuousClock.now < deadline {
            if let text = socket.receive(timeout: .milliseconds(100)) { messages.append((ContinuousClock.now, text)) }
            if messages.contains(where: { $0.text.contains("STOPPING=1") }) { break }
        }
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
        let ready = try #require(messages.first { $0.text.contains("READY=1") })
        let pings = messages.filter { $0.text.contains("WATCHDOG=1") }.map(\.time)
        #expect(pings.count >= 10)
        #expect(pings.allSatisfy { $0 >= ready.time }, "no watchdog ping before READY=1")
        let gaps = zip(pings, pings.dropFirst()).map { $1 - $0 }
        let longest = gaps.max() ?? .zero
        // Healthy: a ping every ~100 ms. The stall (3 s) and the health window after it withhold
        // pings: the longest silence is at least the stall.
        #expect(longest >= .milliseconds(2500), "longest watchdog silence \(longest)")
        #expect(gaps.filter { $0 < .milliseconds(500) }.count >= 5, "regular pings while healthy")
        #expect(messages.contains { $0.text.contains("STOPPING=1") })
    }
}

func hexBytes(_ text: String) -> [UInt8]? {
    guard text.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
        bytes.append(byte)
        index = next
    }
    return bytes
}

/// A bound AF_UNIX datagram socket playing systemd's side of NOTIFY_SOCKET.
final class UnixDatagramReceiver {
    private let fd: Int32

    init(path: String) throws {
        fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let status = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        guard fd >= 0, status == 0 else { throw PeerSetupError(description: "cannot bind \(path): errno \(errno)") }
    }

    func receive(timeout: Duration) -> String? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
    }

    func close() { Glibc.close(fd) }
}
