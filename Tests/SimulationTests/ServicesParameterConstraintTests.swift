import FlightCore
import HAL
import Simulation
import SpaceLink
import Testing

/// TC[20,3] keeps related tunables consistent as a whole: a set that would invert a band fails
/// at the start of execution with `constraint_violated` and sets nothing.
@Suite struct ServicesParameterConstraintTests {
    func id(_ harness: ServicesHarness, _ name: String) throws -> UInt16 { try harness.topology.pool.handle(named: name).id.rawValue }

    func set(_ harness: ServicesHarness, _ values: [(String, Float)]) throws -> [UInt8] {
        let assignments = try values.map { ParameterAssignment(id: try id(harness, $0.0), value: .f32($0.1)) }
        return harness.telecommand(.parameterSet, ParameterManagementMessage.set(assignments).applicationData)
    }

    @Test func anInvertedOxygenBandFailsAndSetsNothing() throws {
        let harness = try ServicesHarness()
        let low = try id(harness, "ls.ppo2_low_kpa"), high = try id(harness, "ls.ppo2_high_kpa")
        let before = (harness.value("ls.ppo2_low_kpa"), harness.value("ls.ppo2_high_kpa"))
        // Each value is in its own range (low 17…23, high 18…23.5), but 22 is not below 21.
        let inverted = try set(harness, [("ls.ppo2_low_kpa", 22), ("ls.ppo2_high_kpa", 21)])
        #expect(harness.send(inverted) == .accepted(.of(inverted)))
        // Low alone above the current high (21.5) breaks it too.
        let lowOnly = try set(harness, [("ls.ppo2_low_kpa", 22)])
        #expect(harness.send(lowOnly) == .accepted(.of(lowOnly)))
        harness.runCycles(1)
        let data = [UInt8(low >> 8), UInt8(low & 0xFF), UInt8(high >> 8), UInt8(high & 0xFF)]
        for packet in [inverted, lowOnly] {
            #expect(
                harness.verification(of: .of(packet)) == [
                    .acceptanceSuccess(.of(packet)),
                    .startFailure(.of(packet), FailureNotice(.constraintViolated, data: data)),
                ])
        }
        #expect(harness.value("ls.ppo2_low_kpa") == before.0 && harness.value("ls.ppo2_high_kpa") == before.1)

        // Both moved together, consistently: accepted and set, even though the new low is above
        // the old high.
        let moved = try set(harness, [("ls.ppo2_high_kpa", 23), ("ls.ppo2_low_kpa", 22)])
        harness.send(moved)
        harness.runCycles(1)
        #expect(harness.verification(of: .of(moved)).last == .completionSuccess(.of(moved)))
        #expect(harness.value("ls.ppo2_low_kpa") == 22 && harness.value("ls.ppo2_high_kpa") == 23)
    }

    @Test func scrubberHysteresisAndAlarmLevelsStayOrdered() throws {
        let harness = try ServicesHarness()
        let onLevel = try #require(harness.value("ls.co2_stage1_on_kpa"))
        let alarm = try #require(harness.value("ls.co2_alarm_kpa"))
        for values in [
            [("ls.co2_stage1_off_kpa", Float(onLevel + 0.05))], // off above on
            [("ls.co2_alarm_clear_kpa", Float(alarm + 0.01))], // clears above the alarm
            [("ls.co2_warning_kpa", Float(alarm + 0.05))],
        ] { // warning above the alarm
            let packet = try set(harness, values)
            harness.send(packet)
            harness.runCycles(1)
            #expect(harness.verification(of: .of(packet)).last?.messageType == MessageType(1, 4), "\(values)")
        }
        #expect(harness.topology.pool.constraints.count >= 5)
    }
}
