import Foundation
import Testing

/// The repository's `systemd/` folder, found from this file's path.
private let systemdFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("systemd")

private let systemdAnalyze = "/usr/bin/systemd-analyze"
private let systemdSysusers = "/usr/bin/systemd-sysusers"

/// Runs a program; its exit status and combined output.
private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A temporary copy of the unit whose ExecStart names a binary that exists (`/bin/true`).
///
/// `systemd-analyze verify` checks that the ExecStart binary is executable; `/usr/local/bin/iostd`
/// exists only after `make install`. Only that path is substituted: every other line is verified
/// as shipped. The copy keeps the name `iostd.service` (verify derives the unit name from it).
private func verifiableUnitCopy() throws -> URL {
    let unit = try String(contentsOf: systemdFolder.appendingPathComponent("iostd.service"), encoding: .utf8)
    #expect(unit.contains("ExecStart=/usr/local/bin/iostd run --config /etc/iost/iostd.toml"))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-unit-\(getpid())-\(UInt32.random(in: 0 ... .max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let copy = folder.appendingPathComponent("iostd.service")
    try unit.replacingOccurrences(of: "ExecStart=/usr/local/bin/iostd ", with: "ExecStart=/bin/true ")
        .write(to: copy, atomically: true, encoding: .utf8)
    return copy
}

private func requireTool(_ path: String) -> Bool {
    guard FileManager.default.isExecutableFile(atPath: path) else {
        Issue.record("\(path) not found: these tests need systemd's tools (Debian: apt-get install systemd)")
        return false
    }
    return true
}

/// The directives of a unit file: (key, value) in order, comments and sections skipped.
private func directives(_ text: String) -> [(key: String, value: String)] {
    text.split(separator: "\n").compactMap { line in
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.hasPrefix("#"), !trimmed.hasPrefix("["), let equals = trimmed.firstIndex(of: "=") else { return nil }
        return (String(trimmed[..<equals]), String(trimmed[trimmed.index(after: equals)...]))
    }
}

@Suite("systemd unit", .serialized)
struct SystemdUnitTests {
    @Test("systemd-analyze verify: no warnings, no errors")
    func verify() throws {
        guard requireTool(systemdAnalyze) else { return }
        let copy = try verifiableUnitCopy()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let result = try run(systemdAnalyze, ["verify", copy.path])
        #expect(result.status == 0, "\(result.output)")
        // Any line verify prints about our unit is a warning.
        let ours = result.output.split(separator: "\n").filter { $0.contains("iostd") }
        #expect(ours.isEmpty, "\(result.output)")
    }

    /// Each exposure `systemd-analyze security` still reports, and why the daemon accepts it.
    static let acceptedExposures: [String: String] = [
        "SystemCallFilter=~@resources": "sched_setscheduler/sched_setattr for SCHED_FIFO",
        "RestrictRealtime=": "the rate groups run at SCHED_FIFO",
        "AmbientCapabilities=": "CAP_SYS_NICE and CAP_IPC_LOCK",
        "CapabilityBoundingSet=~CAP_IPC_LOCK": "mlockall",
        "CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)": "SCHED_FIFO (CAP_SYS_NICE only; RESOURCE is dropped)",
        "SupplementaryGroups=": "gpio, i2c, dialout own the buses",
        "PrivateDevices=": "would hide /dev/i2c-*, /dev/gpiochip*, serial ports",
        "DeviceAllow=": "the bus device groups",
        "RestrictAddressFamilies=~AF_UNIX": "sd_notify, journald",
        "RestrictAddressFamilies=~AF_(INET|INET6)": "space link over UDP, Modbus TCP",
        "PrivateNetwork=": "the space link needs the host's network",
        "IPAddressDeny=": "ground and Modbus peers are configured per site, not in the unit",
        "PrivateUsers=": "capabilities would not reach the host",
        "ProcSubset=": "housekeeping telemetry reads /proc/loadavg and /proc/meminfo",
        "RootDirectory=/RootImage=": "a plain binary install, no image",
        "UMask=": "0027: files group-readable for operators in group iost",
    ]

    @Test("systemd-analyze security --offline: exposure at most 1.8, and only the accepted exposures")
    func security() throws {
        guard requireTool(systemdAnalyze) else { return }
        let copy = try verifiableUnitCopy()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let result = try run(systemdAnalyze, ["security", "--offline=true", "--no-pager", copy.path])
        let lines = result.output.split(separator: "\n")
        let summary = lines.first { $0.contains("Overall exposure level for iostd.service") }
        let score = summary.flatMap { line in
            line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
        }
        let measured = try #require(score, "\(result.output)")
        #expect(measured <= 1.8, "exposure \(measured) (1.8 when written)")

        let exposures = Set(lines.filter { $0.hasPrefix("✗") }.compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) })
        #expect(!exposures.isEmpty, "\(result.output)")
        let unexpected = exposures.subtracting(Self.acceptedExposures.keys)
        #expect(unexpected.isEmpty, "new exposures: a hardening directive was lost: \(unexpected.sorted())")
    }

    @Test("The system-call filter allows SCHED_FIFO and mlockall, and denies @privileged")
    func syscallFilter() throws {
        guard requireTool(systemdAnalyze) else { return }
        let unit = try String(contentsOf: systemdFolder.appendingPathComponent("iostd.service"), encoding: .utf8)
        let filters = directives(unit).filter { $0.key == "SystemCallFilter" }.map(\.value)
        #expect(filters == ["@system-service", "~@privileged"])

        func members(_ group: String) throws -> Set<String> {
            let result = try run(systemdAnalyze, ["syscall-filter", "--no-pager", group])
            return Set(
                result.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty && !$0.hasPrefix("#") })
        }
        let service = try members("@system-service")
        #expect(service.contains("@resources"))
        #expect(service.contains("@memlock"))
        #expect(try members("@resources").isSuperset(of: ["sched_setscheduler", "sched_setattr", "sched_setaffinity"]))
        #expect(try members("@memlock").contains("mlockall"))
        let privileged = try members("@privileged")
        #expect(privileged.isDisjoint(with: ["sched_setscheduler", "sched_setattr", "mlockall", "@resources", "@memlock"]))
    }

    @Test("Directives the daemon depends on")
    func keyDirectives() throws {
        let unit = try String(contentsOf: systemdFolder.appendingPathComponent("iostd.service"), encoding: .utf8)
        let all = directives(unit)
        func value(_ key: String) -> String? { all.last { $0.key == key }?.value }
        #expect(value("Type") == "notify")
        #expect(value("NotifyAccess") == "main")
        #expect(value("WatchdogSec") == "5")
        #expect(value("RestrictRealtime") == "no")
        #expect(value("User") == "iost")
        #expect(value("AmbientCapabilities") == "CAP_SYS_NICE CAP_IPC_LOCK")
        #expect(value("CapabilityBoundingSet") == "CAP_SYS_NICE CAP_IPC_LOCK")
        #expect(value("DevicePolicy") == "closed")
        let devices = all.filter { $0.key == "DeviceAllow" }.map(\.value)
        #expect(Set(devices).isSuperset(of: ["char-i2c rw", "char-gpiochip rw", "char-ttyUSB rw", "char-ttyAMA rw", "char-ttyS rw"]))
    }

    @Test("sysusers: user iost in gpio, i2c and dialout, applied to a scratch root")
    func sysusers() throws {
        guard requireTool(systemdSysusers) else { return }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("iost-sysroot-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        defer { try? FileManager.default.removeItem(at: root) }
        let etc = root.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        // A minimal Debian: dialout exists, gpio and i2c do not.
        try "root:x:0:0:root:/root:/bin/bash\n".write(to: etc.appendingPathComponent("passwd"), atomically: true, encoding: .utf8)
        try "root:x:0:\ndialout:x:20:\n".write(to: etc.appendingPathComponent("group"), atomically: true, encoding: .utf8)

        let file = systemdFolder.appendingPathComponent("iostd.sysusers").path
        let result = try run(systemdSysusers, ["--root=\(root.path)", file])
        #expect(result.status == 0, "\(result.output)")

        let passwd = try String(contentsOf: etc.appendingPathComponent("passwd"), encoding: .utf8)
        let group = try String(contentsOf: etc.appendingPathComponent("group"), encoding: .utf8)
        let user = passwd.split(separator: "\n").first { $0.hasPrefix("iost:") }.map { $0.split(separator: ":", omittingEmptySubsequences: false) }
        let fields = try #require(user, "\(passwd)")
        #expect(fields[5] == "/var/lib/iost")
        #expect(fields[6] == "/usr/sbin/nologin")
        #expect(Int(fields[2]).map { $0 > 0 && $0 < 1000 } == true, "a system uid")
        for name in ["gpio", "i2c", "dialout"] {
            let line = group.split(separator: "\n").first { $0.hasPrefix(name + ":") }
            #expect(line?.hasSuffix(":iost") == true, "\(name): \(String(describing: line))")
        }
        #expect(group.contains("\ndialout:x:20:iost"), "the existing dialout group is kept")
    }
}
