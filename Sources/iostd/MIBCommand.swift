import ArgumentParser
import FlightCore
import Assembly
import Systems

#if canImport(Glibc)
    import Glibc
#endif

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
            Terminal.out(Self.withUplinkSecurity(assembly.services.missionDatabase.json, link: assembly.link, configurationPath: configuration.path))
        } catch {
            Terminal.error("iostd: \(error)")
            throw ExitCode(DaemonStartError(error).exitStatus)
        }
    }

    /// The database with `uplink_security` (SPI, service, virtual channels, absolute key file
    /// path; never a key) appended as the last member when `[[link.sdls]]` protects a VC.
    static func withUplinkSecurity(_ json: String, link: LinkSettings, configurationPath: String) -> String {
        guard !link.security.isEmpty, let close = json.lastIndex(of: "}") else { return json }
        var base = configurationPath
        if !base.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: 4096)
            if getcwd(&buffer, buffer.count) != nil {
                base = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + base
            }
        }
        // Where `iostd run` would look (the state directory as it resolves it, under systemd too).
        let repository = ConfigLocator.repositoryRoot()
        let state = StateDirectory.resolve(
            explicit: nil, environment: getenv("STATE_DIRECTORY").map { String(cString: $0) }, repository: repository)
        let entries = link.security.map { settings in
            let channels = settings.virtualChannels.map { String($0) }.joined(separator: ", ")
            return "    {\n      \"spi\": \(settings.spi),\n      \"service\": \"\(settings.service.rawValue)\",\n      \"virtual_channels\": [\(channels)],\n"
                + "      \"key_file\": \(JSON.string(settings.keyPath(configurationPath: base, repository: repository, stateDirectory: state)))\n    }"
        }
        let head = json[..<close].trimmingSuffix()
        return head + ",\n  \"uplink_security\": [\n" + entries.joined(separator: ",\n") + "\n  ]\n}"
    }
}

extension Substring {
    /// Without trailing spaces and newlines.
    func trimmingSuffix() -> String {
        var text = self
        while let last = text.last, last == " " || last == "\n" { text.removeLast() }
        return String(text)
    }
}
