import HAL

/// A failure of the star tracker driver.
public enum StarTrackerError: DriverError, Equatable {
    /// The Modbus request failed (an exception from the tracker counts as a bus failure).
    case bus(ModbusError)
    /// The device is not a star tracker speaking protocol 1.x.
    case identity(String)
    /// The solution cannot be right.
    case implausible(String)
    /// The response does not have the expected shape.
    case malformed(String)
    /// The configuration cannot be sent to the tracker.
    case configuration(String)

    public var category: DeviceFaultCategory {
        switch self {
        case .bus: return .bus
        case .identity: return .identity
        case .implausible, .malformed: return .data
        case .configuration: return .configuration
        }
    }

    public var description: String {
        switch self {
        case .bus(let error): return "star-tracker: \(error)"
        case .identity(let detail): return "star-tracker: identity: \(detail)"
        case .implausible(let detail): return "star-tracker: implausible solution: \(detail)"
        case .malformed(let detail): return "star-tracker: malformed response: \(detail)"
        case .configuration(let detail): return "star-tracker: configuration: \(detail)"
        }
    }
}

/// How the star tracker is set up by ``StarTracker/start()``.
public struct StarTrackerConfiguration: Sendable, Equatable {
    /// The mode commanded at start (config key `mode`, `track` or `standby`; default `track`).
    public var mode: StarTrackerMode
    /// Exposure time, 1...1000 ms (config key `exposure_ms`, default 50).
    public var exposureMs: UInt16

    public init(mode: StarTrackerMode = .track, exposureMs: UInt16 = 50) {
        self.mode = mode
        self.exposureMs = exposureMs
    }
}

/// The iost star tracker on Modbus (map: `docs/star-tracker-modbus.md`).
///
/// ``start()`` checks magic and protocol version, then writes mode and exposure in one request.
/// ``readSample()`` reads the solution block in one request and reports `stars_tracked`,
/// `tracking` (0/1), `time_tag_s`, and — when the tracker flags the attitude valid — `q_w`,
/// `q_x`, `q_y`, `q_z`.
///
/// - Warning: Blocking bus I/O: call from the device's I/O thread.
public final class StarTracker<Client: ModbusClient>: SensorDevice {
    public let name: String
    public var driver: String { "star-tracker" }
    public let unit: UInt8
    public let configuration: StarTrackerConfiguration
    private let client: Client

    public init(name: String, client: Client, unit: UInt8 = StarTrackerRegister.defaultUnit, configuration: StarTrackerConfiguration = StarTrackerConfiguration()) {
        self.name = name
        self.client = client
        self.unit = unit
        self.configuration = configuration
    }

    /// Checks identity and commands mode and exposure.
    /// - Returns: `star tracker protocol 1.0`.
    public func start() throws(DeviceError) -> String {
        try reporting { () throws(StarTrackerError) -> String in
            guard StarTrackerRegister.exposureRange.contains(configuration.exposureMs) else {
                throw .configuration("exposure \(configuration.exposureMs) ms outside 1...1000")
            }
            let identity = try bus { () throws(ModbusError) in
                try client.readInputRegisters(unit: unit, address: StarTrackerRegister.magic, count: 2)
            }
            let version = try StarTrackerConversion.identity(identity)
            try bus { () throws(ModbusError) in
                try client.writeMultipleRegisters(
                    unit: unit, address: StarTrackerRegister.mode,
                    values: [configuration.mode.rawValue, configuration.exposureMs])
            }
            return "star tracker protocol \(version.major).\(version.minor)"
        }
    }

    /// Reads the latest solution.
    public func readSample() throws(DeviceError) -> [Reading] {
        let solution = try reporting { () throws(StarTrackerError) -> StarTrackerSolution in
            let block = try bus { () throws(ModbusError) in
                try client.readInputRegisters(unit: unit, address: StarTrackerRegister.status, count: StarTrackerRegister.solutionCount)
            }
            return try StarTrackerConversion.solution(block)
        }
        var readings = [
            Reading("stars_tracked", Double(solution.starsTracked)),
            Reading("tracking", solution.status.contains(.tracking) ? 1 : 0),
            Reading("time_tag_s", solution.timeTagSeconds),
        ]
        if let q = solution.quaternion {
            readings += [Reading("q_w", q.w), Reading("q_x", q.x), Reading("q_y", q.y), Reading("q_z", q.z)]
        }
        return readings
    }

    private func bus<T>(_ body: () throws(ModbusError) -> T) throws(StarTrackerError) -> T {
        do { return try body() } catch { throw .bus(error) }
    }

}
