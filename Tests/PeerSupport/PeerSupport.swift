import Foundation
import HAL
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A failure to set up a test peer (missing interpreter, socat, or a peer that never got ready).
public struct PeerSetupError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

/// Where the repository and its test tools are.
public enum PeerEnvironment {
    /// `IOST_REPO` (exported by the Makefile), else derived from this file's path.
    public static var repository: URL {
        if let path = ProcessInfo.processInfo.environment["IOST_REPO"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The Python with pymodbus: `IOST_PYTHON`, else `<repo>/.venv/bin/python`.
    /// - Throws: if neither exists — `make test` creates it, so its absence is a failure.
    public static func python() throws -> URL {
        var candidates: [String] = []
        if let path = ProcessInfo.processInfo.environment["IOST_PYTHON"], !path.isEmpty { candidates.append(path) }
        candidates.append(repository.appendingPathComponent(".venv/bin/python").path)
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw PeerSetupError(description: "no Python with pymodbus (tried \(candidates.joined(separator: ", "))): run `make py-deps`")
    }

    public static var peerScript: URL { repository.appendingPathComponent("tests/peers/modbus_peer.py") }

    /// A fresh state directory path under the temporary directory (not created: `iostd run`
    /// creates it), so that daemons started by tests running side by side never share a packet
    /// store or a lock. Remove it with ``removeStateDirectory(_:)``.
    public static func scratchStateDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("iostd-state-\(getpid())-\(UInt64.random(in: 0 ... .max))").path
    }

    public static func removeStateDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// An executable from PATH.
    public static func tool(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw PeerSetupError(description: "\(name) not found in PATH: run `make deps`")
    }
}

/// A child process whose stdout is collected line by line; killed on
/// ``stop()`` or when released.
public final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let output = LockedValue<(pending: Data, lines: [String])>((Data(), []))

    public init(_ executable: URL, _ arguments: [String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let output = self.output
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            output.withLock { state in
                state.pending.append(data)
                while let newline = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: state.pending[state.pending.startIndex..<newline], as: UTF8.self)
                    state.lines.append(line)
                    state.pending.removeSubrange(state.pending.startIndex...newline)
                }
            }
        }
        try process.run()
    }

    deinit { stop() }

    public var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Every complete line so far.
    public var lines: [String] { output.withLock { $0.lines } }

    /// Waits up to `timeout` for a line satisfying `match`.
    public func waitForLine(timeout: Duration, _ match: (String) -> Bool) -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = lines.first(where: match) { return line }
            if !process.isRunning { return lines.first(where: match) }
            usleep(10_000)
        }
        return nil
    }

    /// Stops the process with SIGKILL and waits for it (at most 2 s, then gives up waiting).
    ///
    /// SIGKILL, not SIGTERM: children of the test runner inherit its signal mask, in which
    /// SIGTERM is blocked (measured: `SigBlk` in `/proc/PID/status`), so SIGTERM would do nothing.
    /// For a peer that also makes "the server died" abrupt, as a crash or power loss is.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(2)
        while process.isRunning && ContinuousClock.now < deadline { usleep(5_000) }
        if !process.isRunning { process.waitUntilExit() }
    }
}

/// One write the Python peer logged: `{"write": {"unit": …, "function": …, "address": …, "values": […]}}`.
public struct PeerWrite: Decodable, Equatable, CustomStringConvertible {
    public var unit: Int
    public var function: Int
    public var address: Int
    public var values: [Int]

    public init(unit: Int, function: Int, address: Int, values: [Int]) {
        self.unit = unit
        self.function = function
        self.address = address
        self.values = values
    }

    public var description: String { "unit \(unit) fc \(function) @0x\(String(address, radix: 16)) \(values)" }

    private struct Line: Decodable { var write: PeerWrite }

    public static func parse(_ line: String) -> PeerWrite? {
        try? JSONDecoder().decode(Line.self, from: Data(line.utf8)).write
    }
}

/// `tests/peers/modbus_peer.py` serving one device.
public final class ModbusPeer {
    public let child: ChildProcess
    /// The TCP port it listens on (0 for RTU).
    public let port: UInt16

    private init(child: ChildProcess, port: UInt16) {
        self.child = child
        self.port = port
    }

    /// Starts the peer over TCP on 127.0.0.1 (`port` 0: any free port) and waits for READY.
    public static func tcp(device: String, values: String, port: UInt16 = 0) throws -> ModbusPeer {
        let child = try ChildProcess(
            try PeerEnvironment.python(),
            [PeerEnvironment.peerScript.path, "--device", device, "--values", values, "--tcp", "127.0.0.1:\(port)"])
        guard let ready = child.waitForLine(timeout: .seconds(8), { $0.hasPrefix("READY tcp ") }),
            let bound = ready.split(separator: ":").last.flatMap({ UInt16($0) })
        else {
            child.stop()
            throw PeerSetupError(description: "modbus_peer.py (\(device), tcp) did not get ready: \(child.lines)")
        }
        return ModbusPeer(child: child, port: bound)
    }

    /// Starts the peer over RTU on `tty` and waits for READY.
    public static func rtu(device: String, values: String, tty: String, baud: Int) throws -> ModbusPeer {
        let child = try ChildProcess(
            try PeerEnvironment.python(),
            [PeerEnvironment.peerScript.path, "--device", device, "--values", values, "--rtu", tty, "--baud", String(baud)])
        guard child.waitForLine(timeout: .seconds(8), { $0.hasPrefix("READY rtu ") }) != nil else {
            child.stop()
            throw PeerSetupError(description: "modbus_peer.py (\(device), rtu) did not get ready: \(child.lines)")
        }
        return ModbusPeer(child: child, port: 0)
    }

    /// The writes logged so far.
    public var writes: [PeerWrite] { child.lines.compactMap(PeerWrite.parse) }

    /// Waits up to `timeout` until `write` has been logged.
    public func waitForWrite(_ write: PeerWrite, timeout: Duration = .seconds(2)) -> Bool {
        child.waitForLine(timeout: timeout) { PeerWrite.parse($0) == write } != nil
    }

    public func stop() { child.stop() }
}

/// A virtual serial line: `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B` in a fresh
/// temporary directory. Both ends exist once the initializer returns.
public final class VirtualSerialLine {
    public let directory: URL
    public let socat: ChildProcess
    public var endA: String { directory.appendingPathComponent("A").path }
    public var endB: String { directory.appendingPathComponent("B").path }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("iost-modbus-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socat = try ChildProcess(
            try PeerEnvironment.tool("socat"),
            [
                "-d", "-d",
                "pty,raw,echo=0,link=\(directory.appendingPathComponent("A").path)",
                "pty,raw,echo=0,link=\(directory.appendingPathComponent("B").path)",
            ])
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: endA) && FileManager.default.fileExists(atPath: endB) { return }
            usleep(10_000)
        }
        socat.stop()
        throw PeerSetupError(description: "socat did not create \(endA) and \(endB) within 5 s")
    }

    deinit { stop() }

    public func stop() {
        socat.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A TCP port on 127.0.0.1 nothing listens on (bound, read back, closed).
public func unusedLoopbackPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}
