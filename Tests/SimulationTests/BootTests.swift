import FlightCore
import HAL
import SimHardware
import Simulation
import Testing

/// BOOT → NOMINAL of the shipped vehicle (config/sim.toml), in simulated time.
@Suite struct BootTests {
    /// The events of a run with their names, for failure messages.
    static func events(of simulation: VehicleSimulation) -> [(FlightEvent, String)] {
        let names = Dictionary(uniqueKeysWithValues: simulation.topology.eventDefinitions.map { ($0.id, $0.name) })
        var events: [(FlightEvent, String)] = []
        while let event = simulation.topology.eventLog.next() { events.append((event, names[event.id] ?? event.id.description)) }
        return events
    }

    static func summary(_ events: [(FlightEvent, String)]) -> String {
        events.map { "\($0.0.time.seconds)s \($0.1) \($0.0.argumentList)" }.joined(separator: "\n")
    }

    /// The first time every sampled device has delivered a valid sample (its first reading key),
    /// and the time NOMINAL is entered, stepping the simulation by one base cycle.
    static func bootTimes(_ simulation: VehicleSimulation, limit: Duration) -> (slowestFirstSample: Duration?, nominal: Duration?) {
        let pool = simulation.pool
        var firstKeys: [ParameterHandle] = []
        for device in simulation.topology.sampling.samplers.flatMap(\.devices) {
            guard let key = device.keys.first, let handle = try? pool.handle(named: "dev.\(device.name).\(key)") else { continue }
            firstKeys.append(handle)
        }
        var firstSample: [Duration?] = Array(repeating: nil, count: firstKeys.count)
        var nominal: Duration?
        let start = simulation.clock.now
        while simulation.clock.now - start < limit {
            simulation.run(for: .milliseconds(10))
            let now = simulation.clock.now - start
            for index in firstKeys.indices where firstSample[index] == nil && pool[firstKeys[index]].validity == .valid {
                firstSample[index] = now
            }
            if nominal == nil, simulation.mode == .nominal { nominal = now }
            if nominal != nil, !firstSample.contains(where: { $0 == nil }) { break }
        }
        let slowest = firstSample.contains { $0 == nil } ? nil : firstSample.compactMap { $0 }.max()
        return (slowest, nominal)
    }

    @Test func theShippedVehicleIsNominalWithinTheBootDwellOfItsSlowestSensor() throws {
        let simulation = try VehicleSimulationTests.shippedVehicle()
        let dwell = simulation.topology.faultManagement.modeMachine.configuration.bootDwell
        let (slowest, nominal) = Self.bootTimes(simulation, limit: .seconds(120))
        let events = Self.summary(Self.events(of: simulation))
        let slowestSample = try #require(slowest, "a sensor never delivered a sample\n\(events)")
        let nominalTime = try #require(nominal, "never NOMINAL in 120 s\n\(events)")
        // One monitoring period (1 s) of slack: the mode machine runs at 1 Hz.
        #expect(
            nominalTime <= slowestSample + dwell + .seconds(1),
            "NOMINAL at \(nominalTime), slowest first sample at \(slowestSample), boot dwell \(dwell)\n\(events)")
        #expect(nominalTime >= dwell)
    }

    @Test func oxygenSensorsLateAtStartRaiseNoFalseAlarm() throws {
        let simulation = try VehicleSimulationTests.shippedVehicle()
        // Both O2 cells answer their first reads late, as on hardware when the life-support group
        // runs before the first samples of the I2C thread arrive.
        for cell in ["o2-a", "o2-b"] {
            simulation.vehicle.faults.inject(.noAcknowledge, device: cell, extent: .window(.milliseconds(500)))
        }
        simulation.run(for: .seconds(30))
        let events = Self.events(of: simulation)
        #expect(simulation.mode == .nominal, "\(Self.summary(events))")
        let alarms = events.filter { $0.1 == "o2_sensors_failed" || $0.1 == "o2_sensor_degraded" }
        #expect(alarms.isEmpty, "false O2 alarm at start-up:\n\(Self.summary(events))")
    }

    @Test func theModeIsBootBeforeTheModeMachineFirstRuns() throws {
        let simulation = try VehicleSimulationTests.shippedVehicle()
        let handle = try simulation.pool.handle(named: "fdir.mode")
        #expect(simulation.pool.value(handle) == Double(VehicleMode.boot.rawValue))
    }
}
