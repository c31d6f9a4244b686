import Foundation
import PeerSupport
import Testing

/// `iostd sim` as an operator runs it.
@Suite struct SimCommandTests {
    @Test func theCabinLeakScenarioEndsInEmergencyWithTheCrewAlarmOn() throws {
        let run = try ProbeCommandTests.iostd(["sim", "--scenario", "scenarios/cabin-leak.toml", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let objects = run.lines.compactMap(ProbeCommandTests.object)
        #expect(objects.count == run.lines.count, "every line is one JSON object")
        let modes = objects.filter { $0["type"] as? String == "mode" }
        #expect(modes.compactMap { $0["to"] as? String } == ["NOMINAL", "EMERGENCY"], "\(modes)")
        let summary = try #require(objects.last)
        #expect(summary["type"] as? String == "summary")
        let samples = objects.filter { $0["type"] as? String == "sample" }
        #expect(samples.count >= 10, "a sample row every simulated minute")
        let last = try #require(samples.last)
        #expect(last["mode"] as? String == "EMERGENCY")
        #expect(last["crew_alarm"] as? Double == 1)
        #expect((last["pressure_pa"] as? Double ?? 101_325) < 101_000, "the cabin lost pressure")
    }

    @Test func aBadScenarioExits78NamingTheLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-scenario-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.toml").path
        try "[scenario]\nname = \"bad\"\nduration = \"5min\"\n\n[[event]]\nat = \"1min\"\naction = \"teleport\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try ProbeCommandTests.iostd(["sim", "--scenario", path])
        #expect(run.status == 78)
        #expect(run.stderr.contains("bad.toml:7"), "\(run.stderr)")
    }
}
