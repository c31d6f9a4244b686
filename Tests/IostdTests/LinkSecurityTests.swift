import Foundation
import PeerSupport
import SpaceLink
import Testing

/// SDLS key files through the daemon binary (docs/link-security.md): `iostd keys new`, and the
/// start refused (exit 78) for a key file others may read.
@Suite struct LinkSecurityTests {
    static func scratch(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-\(name)-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func keysNewWritesAPrivateKeyAndNeverReplacesOne() throws {
        let directory = try Self.scratch("keys")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("spi7.key").path
        let first = try ProbeCommandTests.iostd(["keys", "new", "--out", path])
        #expect(first.status == 0, "\(first.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.count == 65 && text.hasSuffix("\n") && text.dropLast().allSatisfy(\.isHexDigit), "\(text.count) characters")
        let again = try ProbeCommandTests.iostd(["keys", "new", "--out", path])
        #expect(again.status == 73, "\(again.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        let other = directory.appendingPathComponent("spi8.key").path
        #expect(try ProbeCommandTests.iostd(["keys", "new", "--out", other]).status == 0)
        #expect(try String(contentsOfFile: other, encoding: .utf8) != text, "two keys from the CSPRNG")
    }

    @Test func aKeyFileOthersCanReadStopsTheStartWithExit78() throws {
        let directory = try Self.scratch("openkey")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("tc.key").path
        #expect(try ProbeCommandTests.iostd(["keys", "new", "--out", keyPath]).status == 0)
        let key = try String(contentsOfFile: keyPath, encoding: .utf8)
        let shipped = try String(contentsOf: PeerEnvironment.repository.appendingPathComponent("config/sim.toml"), encoding: .utf8)
        let marker = "key_file = \".cache/keys/tc-spi1.key\""
        #expect(shipped.contains(marker))
        let config = directory.appendingPathComponent("open-key.toml").path
        try shipped.replacingOccurrences(of: marker, with: "key_file = \"\(keyPath)\"").write(toFile: config, atomically: true, encoding: .utf8)
        chmod(keyPath, 0o644)
        let state = directory.appendingPathComponent("state").path
        let run = try ProbeCommandTests.iostd(["run", "--config", config, "--state-dir", state, "--duration", "5s", "--uplink", "127.0.0.1:0"])
        #expect(run.status == 78, "\(run.stderr)")
        #expect(run.stderr.contains(keyPath), "\(run.stderr)")
        #expect(run.stderr.contains("mode 644"), "\(run.stderr)")
        #expect(!run.stderr.lowercased().contains(String(key.prefix(64)).lowercased()))
        #expect(!run.stderr.lowercased().contains(String(key.prefix(12)).lowercased()))
        // Private again: the same configuration starts.
        chmod(keyPath, 0o600)
        let ok = try ProbeCommandTests.iostd(["run", "--config", config, "--state-dir", state, "--duration", "1s", "--uplink", "127.0.0.1:0"])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    /// The daemon keeps the last accepted counter in its state directory: after a restart the
    /// frame it accepted before is a replay (no report, nothing runs) and the next one is accepted.
    @Test func aFrameAcceptedBeforeARestartIsAReplayAfterIt() throws {
        typealias RunningDaemon = DaemonEndToEndTests.RunningDaemon
        let state = PeerEnvironment.scratchStateDirectory()
        defer { PeerEnvironment.removeStateDirectory(state) }
        let first = PUSTelecommand(apid: 0x123, sequenceCount: 4001, messageType: .areYouAlive)
        let second = PUSTelecommand(apid: 0x123, sequenceCount: 4002, messageType: .areYouAlive)
        let firstFrame = try SimulatedUplinkSecurity.seal(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: first.encoded))
        let secondFrame = try SimulatedUplinkSecurity.seal(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: second.encoded))
        do {
            let daemon = try RunningDaemon(arguments: ["--state-dir", state, "--duration", "60s"])
            try daemon.listen(for: .seconds(2))
            try daemon.sendFrame(firstFrame)
            try daemon.listen(for: .seconds(5)) { _ in daemon.reports(for: first.requestID).contains(.completionSuccess(first.requestID)) }
            #expect(daemon.reports(for: first.requestID).contains(.completionSuccess(first.requestID)))
            daemon.process.terminate()
            #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
        }
        let counters = try FileManager.default.attributesOfItem(atPath: state + "/sdls-counters")
        #expect(counters[.posixPermissions] as? Int == 0o600)
        let daemon = try RunningDaemon(arguments: ["--state-dir", state, "--duration", "60s"])
        try daemon.listen(for: .seconds(2))
        try daemon.sendFrame(firstFrame)
        try daemon.sendFrame(secondFrame)
        try daemon.listen(for: .seconds(5)) { _ in daemon.reports(for: second.requestID).contains(.completionSuccess(second.requestID)) }
        #expect(daemon.reports(for: second.requestID).contains(.completionSuccess(second.requestID)))
        #expect(daemon.reports(for: first.requestID).isEmpty, "the replayed frame ran: \(daemon.reports(for: first.requestID))")
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }
}
