import Foundation
import Link
import PeerSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension DaemonEndToEndTests {
    /// `iost-ground send schedule …` against `iostd run`: a ping scheduled a few seconds ahead is
    /// listed, released once release is enabled, and a pending activity survives a restart of the
    /// daemon on the same state directory, restored with release disabled.
    @Test(.timeLimit(.minutes(2))) func aScheduledPingIsReleasedAndAPendingOneSurvivesARestart() throws {
        let ground = try GroundToolSession("schedule", run: run)
        defer { ground.remove() }
        let state = ground.directory.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        var daemon = try RunningDaemon(arguments: ["--duration", "120s", "--downlink", ground.downlink, "--state-dir", state.path])
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        try daemon.listen(for: .seconds(2))

        var sequence = 3000
        func send(_ words: [String]) throws -> (status: Int32, output: String) {
            sequence += 1
            return try ground.send(words, to: daemon, sequence: sequence)
        }
        func value(_ name: String, in output: String) -> String? {
            output.split(separator: "\n").first { $0.contains(name + " = ") }.flatMap { $0.split(separator: "=").last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]

        let soon = try send(["schedule", "at", format.string(from: Date().addingTimeInterval(4)), "ping"])
        #expect(soon.status == 0, "\(soon.output)")
        let listed = try send(["schedule", "list"])
        #expect(listed.status == 0 && listed.output.contains("1 scheduled"), "\(listed.output)")
        #expect(try send(["schedule", "enable"]).status == 0)
        Thread.sleep(forTimeInterval: 5)
        let after = try send(["param", "get", "sched.released", "sched.activities", "sched.enabled"])
        #expect(value("sched.released", in: after.output) == "1", "\(after.output)")
        #expect(value("sched.activities", in: after.output) == "0", "\(after.output)")

        // One far ahead, then a restart on the same state directory.
        #expect(try send(["schedule", "at", format.string(from: Date().addingTimeInterval(600)), "mode", "SAFE"]).status == 0)
        Thread.sleep(forTimeInterval: 0.5) // the telemetry thread journals the change
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
        daemon = try RunningDaemon(arguments: ["--duration", "60s", "--downlink", ground.downlink, "--state-dir", state.path])
        try daemon.listen(for: .seconds(2))
        let restored = try send(["param", "get", "sched.activities", "sched.enabled"])
        #expect(value("sched.activities", in: restored.output) == "1", "\(restored.output)")
        #expect(value("sched.enabled", in: restored.output) == "false", "\(restored.output)")
        let detail = try send(["schedule", "list", "detail"])
        #expect(detail.output.contains("TC[8,1]"), "\(detail.output)")
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }
}
