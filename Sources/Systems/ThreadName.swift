/// What a thread of the flight software is for, and so what `ps -L`, `top -H` and a core dump
/// call it.
///
/// The name is a role, not free text: every thread of `iostd` is one of these, and the roles
/// that exist per bus or per edge line carry that bus's or line's configured name.
/// ``description`` is the full name (`iost-bus-cabin-i2c`); ``kernelName`` is what Linux keeps of
/// it (15 bytes: `iost-bus-cabin-`), cut in this one place.
public enum ThreadName: Sendable, Hashable, CustomStringConvertible {
    /// The fixed-rate executive (rate groups).
    case executive
    /// The I/O thread of the bus configured as `name`.
    case bus(String)
    /// The paced TM downlink.
    case downlink
    /// The TC uplink receiver.
    case uplink
    /// The telemetry producer of the daemon.
    case telemetry
    /// The reader of the GPIO edge-event line configured as `name`.
    case edge(String)
    /// The systemd watchdog pinger.
    case watchdog
    /// The signal watcher (`sigtimedwait`).
    case signals
    /// One step of the shutdown sequence.
    case shutdown
    /// A thread outside the flight roles — a benchmark's load generator, a test — named as given.
    case auxiliary(String)

    /// The longest thread name Linux keeps, in bytes (`TASK_COMM_LEN` 16, less the NUL).
    public static let kernelLimit = 15

    /// The full name, `iost-` and the role.
    public var description: String {
        switch self {
        case .executive: "iost-executive"
        case .bus(let name): "iost-bus-\(name)"
        case .downlink: "iost-downlink"
        case .uplink: "iost-uplink"
        case .telemetry: "iost-telemetry"
        case .edge(let name): "iost-edge-\(name)"
        case .watchdog: "iost-watchdog"
        case .signals: "iost-signals"
        case .shutdown: "iost-shutdown"
        case .auxiliary(let name): name
        }
    }

    /// ``description`` cut to ``kernelLimit`` bytes of UTF-8, never inside a character's encoding.
    public var kernelName: String {
        let full = description
        guard full.utf8.count > Self.kernelLimit else { return full }
        var kept = ""
        var bytes = 0
        for scalar in full.unicodeScalars {
            let length = UTF8.width(scalar)
            if bytes + length > Self.kernelLimit { break }
            kept.unicodeScalars.append(scalar)
            bytes += length
        }
        return kept
    }
}
