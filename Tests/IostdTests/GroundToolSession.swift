import Foundation
import Link
import PeerSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `iost-ground` as an operator runs it against a test's `iostd run`: a free loopback port for
/// the tool's socket (give the daemon `--downlink 127.0.0.1:<port>` so its frames reach it), a
/// scratch directory with the daemon's mission database (`iostd mib` of config/sim.toml), and
/// ``send(_:to:sequence:timeout:)``, one tool process per command.
struct GroundToolSession {
    static let tool = PeerEnvironment.repository.appendingPathComponent(".build/debug/iost-ground")
    static let daemon = PeerEnvironment.repository.appendingPathComponent(".build/debug/iostd")

    let port: UInt16
    let directory: URL
    let mib: URL
    private let run: (URL, [String], URL?) throws -> (status: Int32, output: String)

    /// - Parameters:
    ///   - name: names the scratch directory.
    ///   - run: runs a tool to completion (``DaemonEndToEndTests/run(_:_:output:)``).
    init(_ name: String, run: @escaping (URL, [String], URL?) throws -> (status: Int32, output: String)) throws {
        let probe = try UDPSocket(boundTo: .loopback(port: 0))
        port = try probe.localAddress().port
        probe.close()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("iost-\(name)-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        mib = directory.appendingPathComponent("mib.json")
        self.run = run
        let made = try run(Self.daemon, ["mib", "--config", PeerEnvironment.repository.appendingPathComponent("config/sim.toml").path], mib)
        guard made.status == 0 else { throw SessionError.mib(made.status) }
    }

    enum SessionError: Error { case mib(Int32) }

    /// The daemon's `--downlink` argument that reaches this tool.
    var downlink: String { "127.0.0.1:\(port)" }

    /// `iost-ground send WORDS…` to `daemon`'s uplink, listening on this session's port.
    func send(_ words: [String], to daemon: DaemonEndToEndTests.RunningDaemon, sequence: Int, timeout: String = "3s") throws -> (status: Int32, output: String) {
        try run(
            Self.tool,
            ["send"] + words + [
                "--mib", mib.path, "--uplink", daemon.uplinkAddress.description, "--listen", downlink, "--timeout", timeout,
                "--sequence", String(sequence),
            ], nil)
    }

    /// Removes the scratch directory.
    func remove() { try? FileManager.default.removeItem(at: directory) }
}
