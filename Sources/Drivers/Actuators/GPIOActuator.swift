import HAL

/// A two-state actuator on one GPIO output line (valve, heater, load switch, alarm, one fan stage),
/// commanded with readback verification.
///
/// Values are logical: active-low is applied by the chip when the line is requested (see
/// ``ActuatorConfiguration/requestLine(_:on:)``), so `command(true)` always means "on".
///
/// - Warning: `command`, `readBack`, `start` and `readSample` perform a GPIO ioctl each (microseconds
///   on a real chip, no sleeping): they may be called from the rate group that owns the actuator.
///   Use one actuator from one thread at a time; the totals are locked, the line is not.
public final class GPIOActuator<Line: GPIOOutputLine>: VerifiedActuator, @unchecked Sendable {
    public let name: String
    public let driver = "gpio-actuator"
    public let configuration: ActuatorConfiguration

    private let line: Line
    private let state = LockedValue<(commanded: Bool?, statistics: ActuatorStatistics)>((nil, ActuatorStatistics()))

    /// - Parameters:
    ///   - name: the configured device name (`o2-valve`).
    ///   - line: the output line, requested with ``ActuatorConfiguration/lineOptions``.
    ///   - configuration: role and safe state.
    public init(name: String, line: Line, configuration: ActuatorConfiguration) {
        self.name = name
        self.line = line
        self.configuration = configuration
    }

    public var safeState: Bool { configuration.safeState }

    /// The last state commanded, or nil before the first command.
    public var commandedState: Bool? { state.withLock { $0.commanded } }

    /// Command and mismatch totals.
    public var statistics: ActuatorStatistics { state.withLock { $0.statistics } }

    /// Puts the actuator in its safe state and verifies it.
    ///
    /// - Returns: the identity line for `iostd probe` (`o2_valve, safe state off, readback ok`).
    /// - Throws: `.bus` when the line fails, `.data` when it does not read back the safe state.
    public func start() throws(DeviceError) -> String {
        try command(configuration.safeState)
        return "\(configuration.role.rawValue), safe state \(configuration.safeState ? "on" : "off")\(configuration.activeLow ? ", active-low" : ""), readback ok"
    }

    /// Drives the line to `on` and reads it back.
    ///
    /// - Throws: `.bus` (``ActuatorError/bus(_:)``) when the line fails, `.data`
    ///   (``ActuatorError/readbackMismatch(commanded:readBack:)``) when it reads back otherwise.
    public func command(_ on: Bool) throws(DeviceError) {
        state.withLock {
            $0.commanded = on
            $0.statistics.commands += 1
        }
        let back: Bool
        do {
            try line.set(on)
            back = try line.get()
        } catch {
            throw failure(.bus(error))
        }
        if back != on { throw failure(.readbackMismatch(commanded: on, readBack: back)) }
    }

    /// The line's logical state as the chip reports it.
    ///
    /// - Throws: `.bus` when the line fails.
    public func readBack() throws(DeviceError) -> Bool {
        do {
            return try line.get()
        } catch {
            throw failure(.bus(error))
        }
    }

    /// Reads the line back: `state` (0/1).
    ///
    /// - Throws: `.data` when the state differs from the last command (the output changed under us),
    ///   `.bus` when the line fails.
    public func readSample() throws(DeviceError) -> [Reading] {
        let back = try readBack()
        if let commanded = commandedState, commanded != back {
            throw failure(.readbackMismatch(commanded: commanded, readBack: back))
        }
        return [Reading("state", back ? 1 : 0)]
    }

    private func failure(_ error: ActuatorError) -> DeviceError {
        state.withLock { state in
            switch error.category {
            case .bus: state.statistics.busErrors += 1
            case .data: state.statistics.readbackMismatches += 1
            default: break
            }
        }
        return DeviceError(error, device: name, driver: driver)
    }
}

/// An actuator that verifies its commands by readback and keeps totals: what the topology and the
/// controllers hold a ``GPIOActuator`` as, whatever its line type.
public protocol VerifiedActuator: ActuatorDevice {
    var configuration: ActuatorConfiguration { get }
    /// The last state commanded, or nil before the first command.
    var commandedState: Bool? { get }
    /// Command and mismatch totals.
    var statistics: ActuatorStatistics { get }
}

/// Builds a ``GPIOActuator`` over the concrete type behind `line`.
///
/// `GPIOChip.requestOutput` hands out `any GPIOOutputLine`, which cannot be a generic argument;
/// passing it here opens the existential, so the actuator is specialised for the chip's own line type
/// and comes back as an `any VerifiedActuator`.
public func makeGPIOActuator(name: String, line: some GPIOOutputLine, configuration: ActuatorConfiguration) -> any VerifiedActuator {
    GPIOActuator(name: name, line: line, configuration: configuration)
}
