import FlightCore
import HAL
import Simulation
import Testing

/// The repository root, from this file's location.
func repositoryRoot(_ file: String = #filePath) -> String {
    var path = file
    for _ in 0..<3 {
        if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
    }
    return path
}

@Suite struct VehicleSimulationTests {
    static func shippedVehicle() throws -> VehicleSimulation {
        let configuration = try VehicleConfiguration.load(path: repositoryRoot() + "/config/sim.toml")
        return try VehicleSimulation(configuration: configuration)
    }

    @Test func theShippedVehicleBootsToNominalAndHoldsTheCabin() throws {
        let simulation = try Self.shippedVehicle()
        simulation.run(for: .seconds(600))
        var events: [FlightEvent] = []
        while let event = simulation.topology.eventLog.next() { events.append(event) }
        let names = Dictionary(uniqueKeysWithValues: simulation.topology.eventDefinitions.map { ($0.id, $0.name) })
        let summary = events.map { "\($0.time.seconds)s \(names[$0.id] ?? $0.id.description) \($0.argumentList)" }
        #expect(simulation.mode == .nominal, "\(summary.joined(separator: "\n"))")
        let ppo2 = try #require(simulation.value("ls.ppo2_kpa"))
        #expect((20.0...22.5).contains(ppo2))
        let co2 = try #require(simulation.value("dev.cabin-co2.co2_ppm"))
        #expect(co2 < 5000)
        let soc = try #require(simulation.value("power.battery_soc_pct"))
        #expect((0...100).contains(soc))
    }
}
