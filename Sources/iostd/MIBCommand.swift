import ArgumentParser
import FlightCore
import Simulation

/// `iostd mib`: print the mission information base (JSON) the ground console loads.
///
/// Built from the configuration the way `iostd run` builds the vehicle, but always on simulated
/// buses, so it works on any machine (the ground's): parameters, housekeeping structures,
/// events, functions, channels and devices do not depend on the hardware being there.
struct MIBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mib",
        abstract: "Print the mission information base (JSON) for the ground console.",
        discussion: "Schema: docs/telecommands.md. Deterministic: the same configuration gives the same octets."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try options.load()
        do {
            let simulation = try VehicleSimulation(configuration: configuration, standInForHardware: true)
            let services = try SpaceServices(configuration: try ServicesConfiguration(root: configuration.root), topology: simulation.topology,
                                             utc: .fixedEpoch(UTCTime(unixSeconds: 0, nanoseconds: 0)))
            Terminal.out(services.missionDatabase.json)
        } catch {
            Terminal.error("iostd: configuration error: \(error)")
            throw ExitCode(ExitStatus.configuration)
        }
    }
}
