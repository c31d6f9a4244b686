import ArgumentParser
import FrameSecurity

/// `iostd keys`: SDLS key files (docs/link-security.md).
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "SDLS key files for the TC uplink.", subcommands: [NewKey.self])

    /// `iostd keys new --out FILE`: a fresh AES-256 key from the system CSPRNG, mode 0600.
    struct NewKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Write a fresh AES-256 key (64 hex digits and a newline, mode 0600) to FILE; an existing file is never replaced.")

        @Option(name: .long, help: ArgumentHelp("The key file to create.", valueName: "file"))
        var out: String

        func run() throws {
            do {
                try KeyFile.create(path: out)
            } catch {
                Terminal.error("iostd: \(error)")
                throw ExitCode(ExitStatus.cannotCreate)
            }
            Terminal.error("iostd: wrote a new key to \(out) (mode 0600); give the ground the same file")
        }
    }
}
