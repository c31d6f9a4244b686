import HAL

/// One decoded value of a sample, keyed in snake_case with a unit suffix (`co2_ppm`,
/// `temperature_c`, `pressure_pa`, `rate_x_rad_s`) — the keys `iostd probe --json` prints and the
/// parameter pool is fed by.
public struct Reading: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var value: Double

    public init(_ key: String, _ value: Double) {
        self.key = key
        self.value = value
    }

    public var description: String { "\(key)=\(value)" }
}

/// What kind of failure a device had, for fault management: a bus failure counts towards
/// "device failed"; invalid data makes that sample's parameters invalid.
public enum DeviceFaultCategory: String, Sendable, Equatable {
    /// The bus failed or the device did not answer (NACK, timeout, connection lost, exception).
    case bus
    /// The device answered but is not what the configuration says (chip ID, WHO_AM_I, status).
    case identity
    /// The device answered with data that cannot be right (CRC, out of the sensor's range, NaN).
    case data
    /// The device has no new data yet (data-ready not set within the allowed wait).
    case notReady
    /// The configuration for the device is unusable (bad shunt value, unsupported range).
    case configuration
}

/// A device failure as the flight core and `iostd probe` see it: a category, the device, and the
/// driver's own typed error underneath (its description is the message).
public struct DeviceError: Error, Sendable, CustomStringConvertible {
    public var category: DeviceFaultCategory
    public var device: String
    public var driver: String
    public var message: String
    public var underlying: (any Error & Sendable)?

    public init(_ category: DeviceFaultCategory, device: String, driver: String, message: String, underlying: (any Error & Sendable)? = nil) {
        self.category = category
        self.device = device
        self.driver = driver
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }
}

/// A driver's own error enum maps itself to a category through this protocol.
public protocol DriverError: Error, Sendable, CustomStringConvertible {
    var category: DeviceFaultCategory { get }
}

extension DeviceError {
    /// Wraps a driver's typed error for `device`.
    public init(_ error: some DriverError, device: String, driver: String) {
        self.init(error.category, device: device, driver: driver, message: error.description, underlying: error)
    }
}

/// Anything `iostd probe` and the samplers can open, identify and read once.
///
/// Drivers are generic over their bus (`BME280<Bus: I2CBus>`); this protocol is the one place
/// where the topology holds them as existentials.
///
/// - Warning: ``start()`` and ``readSample()`` perform blocking bus I/O: call them from the
///   device's I/O thread or the sampler, never from a rate group directly.
public protocol SensorDevice: AnyObject {
    /// The configured name (`cabin-env`).
    var name: String { get }
    /// The driver's name as used in configuration (`bme280`).
    var driver: String { get }
    /// Identifies the device (chip ID etc.) and configures it. Called again after a failure.
    /// - Returns: a short identity string for the probe line (`chip id 0x60`).
    func start() throws(DeviceError) -> String
    /// Reads one sample.
    func readSample() throws(DeviceError) -> [Reading]
}

/// A GPIO-driven actuator (valve, fan, heater, load switch, alarm) with readback and a safe state.
public protocol ActuatorDevice: SensorDevice {
    /// The state the actuator is put in at start-up, on shutdown and when its controller fails.
    var safeState: Bool { get }
    /// Commands the actuator and verifies the readback.
    func command(_ on: Bool) throws(DeviceError)
    /// The state read back from the line.
    func readBack() throws(DeviceError) -> Bool
}

extension ActuatorDevice {
    /// Puts the actuator in its safe state.
    public func applySafeState() throws(DeviceError) {
        try command(safeState)
    }
}

/// A device fed by kernel-timestamped edge events (a Geiger tube): an I/O thread (or, in
/// simulation, a per-tick pump) calls ``ingest(timeout:)``; the control side calls ``readSample()``.
public protocol EdgeEventDevice: SensorDevice {
    /// Waits up to `timeout` for edge events and records them.
    /// - Returns: how many events were read.
    /// - Warning: Blocks on real hardware: call it from a dedicated I/O thread.
    func ingest(timeout: Duration) throws(DeviceError) -> Int
}

/// A sensor whose conversion needs the ambient pressure (a galvanic O2 cell measures ppO2; the
/// O2 fraction needs the cabin pressure). Safe to call from any thread.
public protocol AmbientPressureCompensated: AnyObject {
    func setAmbientPressure(pascals: Double)
}

extension SensorDevice {
    /// Runs `body`, reporting a failure of the driver's own typed error as a ``DeviceError`` of
    /// this device: the one place where a driver's error becomes what the flight core sees.
    @inlinable
    public func reporting<T, Failure: DriverError>(_ body: () throws(Failure) -> T) throws(DeviceError) -> T {
        do {
            return try body()
        } catch {
            throw DeviceError(error, device: name, driver: driver)
        }
    }
}
