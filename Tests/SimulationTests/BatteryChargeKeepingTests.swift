import Foundation
import HAL
import SpaceLink
import Testing

@testable import FlightCore

/// The battery's state-of-charge estimate across a restart (issue: state that survives).
@Suite struct BatteryChargeKeepingTests {
    static let epoch: Int64 = 1_800_000_000

    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("iost-soc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func keptLine(_ directory: String) throws -> [String]? {
        let text = try String(contentsOfFile: directory + "/commanded-state", encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == "battery-soc" }
    }

    @Test func theEstimateIsKeptEveryMinuteWithItsTimeAndComesBackAfterARestart() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try ScheduleHarness(epoch: Self.epoch, stateDirectory: directory)
        first.run(for: .seconds(1))
        // Written at the first power cycle with an estimate, then once a minute.
        let early = try #require(try Self.keptLine(directory))
        #expect(early.count == 3 && Int64(early[2]).map { $0 - Self.epoch } == 0)
        first.run(for: .seconds(61))
        let line = try #require(try Self.keptLine(directory))
        let kept = try #require(Double(line[1]))
        #expect(Int64(line[2]).map { $0 - Self.epoch } == 60)
        let now = try #require(first.assembly.flight.power.stateOfCharge)
        #expect(abs(now - kept) < 0.5, "kept \(kept) %, now \(now) %")

        // 90 s later (the daemon was down for ~30 s): the kept estimate is where the new one starts.
        let second = try ScheduleHarness(epoch: Self.epoch + 90, stateDirectory: directory)
        #expect(second.assembly.flight.power.stateOfCharge == kept)
        second.run(for: .seconds(1))
        let restored = try #require(second.events(StateEvents.batteryChargeRestored).first)
        #expect(ScheduleHarness.arguments(restored) == [kept, 30])
    }

    @Test func anEstimateOlderThanAnHourOrFromTheFutureIsNotUsed() throws {
        for (offset, age) in [(-7200, 7200.0), (600, -600.0)] {
            let directory = try Self.directory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try "iost-commanded-state 1\nbattery-soc 12.5 \(Self.epoch + Int64(offset))\n".write(toFile: directory + "/commanded-state", atomically: true, encoding: .utf8)
            let harness = try ScheduleHarness(epoch: Self.epoch, stateDirectory: directory)
            #expect(harness.assembly.flight.power.stateOfCharge != 12.5)
            harness.run(for: .seconds(1))
            let refused = try #require(harness.events(StateEvents.batteryChargeNotRestored).first)
            #expect(ScheduleHarness.arguments(refused) == [12.5, age])
            #expect(harness.events(StateEvents.batteryChargeRestored).isEmpty)
        }
        // A recent one is used; a malformed one is skipped and counted.
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "iost-commanded-state 1\nbattery-soc 12.5 \(Self.epoch - 10)\nbattery-soc 140 \(Self.epoch)\n".write(
            toFile: directory + "/commanded-state", atomically: true, encoding: .utf8)
        let harness = try ScheduleHarness(epoch: Self.epoch, stateDirectory: directory)
        #expect(harness.assembly.flight.power.stateOfCharge == 12.5)
        harness.run(for: .seconds(1))
        let summary = try #require(harness.events(StateEvents.commandedStateRestored).first)
        #expect(ScheduleHarness.arguments(summary) == [0, 1])
    }
}
