import ArgumentParser
import FlightCore

#if canImport(Glibc)
    import Glibc
#endif
import Systems

/// `iostd`: the iost-flight daemon and its bench tools.
@main
struct Iostd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iostd",
        abstract: "iost-flight onboard daemon: sensors, life support and power control, fault management, CCSDS/PUS link.",
        version: SoftwareVersion.build.text,
        subcommands: [RunCommand.self, ProbeCommand.self, SimCommand.self, MIBCommand.self, KeysCommand.self]
    )
}

/// Options shared by every subcommand that reads the vehicle configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Vehicle configuration (TOML). Default: config/sim.toml in the repository, else /etc/iost/iostd.toml.")
    var config: String?

    /// The configuration path to use.
    func path() -> String {
        if let config { return config }
        return ConfigLocator.defaultPath()
    }

    /// Loads the configuration or exits with status 78 (EX_CONFIG) and a message naming the file,
    /// line and key.
    func load() throws -> VehicleConfiguration {
        let path = path()
        do {
            return try VehicleConfiguration.load(path: path)
        } catch {
            Terminal.error("iostd: configuration error: \(error)")
            throw ExitCode(ExitStatus.configuration)
        }
    }
}

/// Exit statuses (sysexits.h where one fits).
enum ExitStatus {
    static let success: Int32 = 0
    /// Some device did not answer (probe).
    static let deviceFailure: Int32 = 1
    /// EX_CONFIG: the configuration is unusable.
    static let configuration: Int32 = 78
    /// EX_TEMPFAIL: the state directory is held by another iostd (or cannot be locked).
    static let stateDirectoryBusy: Int32 = 75
    /// EX_CANTCREAT: an output file cannot be created (it exists, or the directory refuses it).
    static let cannotCreate: Int32 = 73
}

/// Finds the default configuration: the repository's `config/sim.toml` when run from a checkout
/// (the working directory or the directory of the executable, e.g. `.build/debug/iostd`), else
/// the installed `/etc/iost/iostd.toml`.
enum ConfigLocator {
    static let installed = "/etc/iost/iostd.toml"
    static let repository = "config/sim.toml"

    static func defaultPath() -> String {
        if let root = repositoryRoot() { return root + "/" + repository }
        return installed
    }

    /// The repository's root when run from a checkout (the working directory or a parent of the
    /// executable holding `Package.swift` and `config/sim.toml`).
    static func repositoryRoot() -> String? {
        var candidates: [String] = []
        if let cwd = currentDirectory() { candidates.append(cwd) }
        if let executable = executableDirectory() {
            var directory = executable
            for _ in 0..<4 {
                candidates.append(directory)
                directory = parent(of: directory)
            }
        }
        for directory in candidates {
            let path = directory + "/" + repository
            if access(path, R_OK) == 0, access(directory + "/Package.swift", R_OK) == 0 { return directory }
        }
        return nil
    }

    private static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(cString: buffer)
    }

    private static func executableDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return parent(of: String(cString: buffer))
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// Writing to the terminal from the command-line tool (library code never prints).
enum Terminal {
    static func out(_ line: String) { write(line + "\n", to: STDOUT_FILENO) }

    static func error(_ line: String) { write(line + "\n", to: STDERR_FILENO) }

    /// Writes all of `text` with write(2), retrying short writes and EINTR (Systems' `writeAll`);
    /// a terminal that cannot be written to loses the line.
    static func write(_ text: String, to descriptor: Int32) {
        try? writeAll(text, to: descriptor)
    }

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
