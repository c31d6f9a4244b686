import Foundation
import PeerSupport
import Testing

/// `iostd run`'s standard error as journald sees it (a file, not a terminal: `<N>` priorities).
@Suite(.serialized) struct DaemonJournalTests {
    /// `iostd run` with its standard error in a file (journal style), read while it runs.
    final class JournalledDaemon {
        let process = Process()
        let path: String
        private let stderr: FileHandle
        let stateDirectory = PeerEnvironment.scratchStateDirectory()

        init(_ arguments: [String]) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-journal-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log").path
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw PeerSetupError(description: "cannot create \(path)")
            }
            stderr = handle
            process.executableURL = PeerEnvironment.repository.appendingPathComponent(".build/debug/iostd")
            process.arguments = ["run", "--downlink", "127.0.0.1:9", "--uplink", "127.0.0.1:0", "--state-dir", stateDirectory] + arguments
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        deinit {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(atPath: path)
            PeerEnvironment.removeStateDirectory(stateDirectory)
        }

        var lines: [String] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func waitForLine(timeout: Duration, _ match: (String) -> Bool) -> String? {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let line = lines.first(where: match) { return line }
                if !process.isRunning { return lines.first(where: match) }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return nil
        }

        /// Stops the daemon (SIGINT: an orderly shutdown) and returns every line.
        func stop() -> [String] {
            if process.isRunning { kill(process.processIdentifier, SIGINT) }
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            try? stderr.close()
            return lines
        }
    }

    /// config/sim.toml plus a spare SCD30 on a Modbus TCP bus at `port` on the loopback.
    static func configurationWithTCPDevice(port: UInt16) throws -> String {
        let shipped = try String(contentsOf: PeerEnvironment.repository.appendingPathComponent("config/sim.toml"), encoding: .utf8)
        let extra = """

            [[bus]]
            name = "tcp-spare"
            kind = "modbus-tcp"
            host = "127.0.0.1"
            port = \(port)
            response_timeout = "300ms"

            [[device]]
            name = "spare-co2"
            driver = "scd30"
            bus = "tcp-spare"
            unit = 97
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-tcp-\(getpid())-\(port).toml").path
        try (shipped + extra).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A TCP port nobody listens on now (bound once and released).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return UInt16(bigEndian: address.sin_port)
    }

    /// A Modbus peer absent at start: the device fails (a warning in the journal), the peer comes
    /// up, and the device is read again within one recovery back-off (device_recovered logged).
    @Test func aDeviceFailureIsAWarningInTheJournalAndItsRecoveryFollowsThePeer() throws {
        let port = try Self.freePort()
        let configuration = try Self.configurationWithTCPDevice(port: port)
        defer { try? FileManager.default.removeItem(atPath: configuration) }
        let daemon = try JournalledDaemon(["--config", configuration, "--duration", "40s"])
        let failed = daemon.waitForLine(timeout: .seconds(20)) { $0.hasPrefix("<4>iostd.events: device_failed") && $0.contains("dev.spare-co2.health") }
        #expect(failed != nil, "\(daemon.lines.joined(separator: "\n"))")
        let peer = try ModbusPeer.tcp(device: "scd30", values: #"{"co2_ppm": 812.5, "temperature_c": 21.25, "humidity_pct": 40.5}"#, port: port)
        defer { peer.stop() }
        let started = ContinuousClock.now
        // The back-off is 1 s doubling to 60 s (config/sim.toml [sampling] defaults): after about
        // 20 s of failures the next attempt is at most 16 s away.
        let recovered = daemon.waitForLine(timeout: .seconds(18)) { $0.hasPrefix("<6>iostd.events: device_recovered") && $0.contains("dev.spare-co2.health") }
        #expect(recovered != nil, "\(daemon.lines.joined(separator: "\n"))")
        #expect(ContinuousClock.now - started < .seconds(17))
        _ = daemon.waitForLine(timeout: .seconds(15)) { $0.contains("iostd.events: mode_nominal") }
        let lines = daemon.stop()
        let all = lines.joined(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("<6>iostd.events: mode_nominal") && $0.contains("from_mode=0") }, "\(all)")
        // No false alarm at start-up (issue 8: o2_sensors_failed at t = 0).
        #expect(!lines.contains { $0.contains("o2_sensors_failed") }, "\(all)")
    }
}
