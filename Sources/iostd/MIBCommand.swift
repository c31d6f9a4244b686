import ArgumentParser
import FlightCore
import Assembly

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
            let assembly = try VehicleAssembly(
                configuration: configuration,
                mode: .simulatedTime(RunMode.SimulatedTime(standInForHardware: true)))
            Terminal.out(assembly.services.missionDatabase.json)
        } catch {
            Terminal.error("iostd: \(error)")
            throw ExitCode(DaemonStartError(error).exitStatus)
        }
    }
}
