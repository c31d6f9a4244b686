import HAL

/// A failure of the SCD30 driver.
public enum SCD30Error: DriverError, Equatable {
    /// The Modbus request failed (an exception from the sensor counts as a bus failure).
    case bus(ModbusError)
    /// The sensor has no new measurement yet (data-ready status 0).
    case notReady
    /// A measured value is NaN, infinite or outside the sensor's range.
    case implausible(String, Double)
    /// The response does not have the expected shape.
    case malformed(String)
    /// The configuration cannot be sent to the sensor.
    case configuration(String)

    public var category: DeviceFaultCategory {
        switch self {
        case .bus: return .bus
        case .notReady: return .notReady
        case .implausible, .malformed: return .data
        case .configuration: return .configuration
        }
    }

    public var description: String {
        switch self {
        case .bus(let error): return "scd30: \(error)"
        case .notReady: return "scd30: no new measurement (data ready = 0)"
        case .implausible(let key, let value): return "scd30: implausible \(key) = \(value)"
        case .malformed(let detail): return "scd30: malformed response: \(detail)"
        case .configuration(let detail): return "scd30: configuration: \(detail)"
        }
    }
}

/// How the SCD30 is set up by ``SCD30/start()``.
public struct SCD30Configuration: Sendable, Equatable {
    /// Seconds between measurements, 2...1800 (config key `interval_s`, default 2).
    public var measurementIntervalSeconds: UInt16
    /// Ambient pressure for the CO2 compensation, 700...1400 mbar, or `nil` for none
    /// (config key `ambient_pressure_mbar`, default none).
    public var ambientPressureMbar: UInt16?

    public init(measurementIntervalSeconds: UInt16 = 2, ambientPressureMbar: UInt16? = nil) {
        self.measurementIntervalSeconds = measurementIntervalSeconds
        self.ambientPressureMbar = ambientPressureMbar
    }
}

/// Sensirion SCD30 CO2, temperature and humidity sensor on its Modbus interface.
///
/// ``start()`` reads the firmware version, sets the measurement interval and starts continuous
/// measurement with the configured pressure compensation. ``readSample()`` checks data-ready
/// and reads one measurement: `co2_ppm`, `temperature_c`, `humidity_pct`.
///
/// - Warning: Blocking bus I/O: call from the device's I/O thread.
public final class SCD30<Client: ModbusClient>: SensorDevice {
    public let name: String
    public var driver: String { "scd30" }
    public let unit: UInt8
    public let configuration: SCD30Configuration
    private let client: Client

    /// - Parameters:
    ///   - unit: the Modbus unit id (the SCD30's is fixed at 0x61).
    public init(name: String, client: Client, unit: UInt8 = SCD30Register.defaultUnit, configuration: SCD30Configuration = SCD30Configuration()) {
        self.name = name
        self.client = client
        self.unit = unit
        self.configuration = configuration
    }

    /// Reads the firmware version, sets the interval, starts continuous measurement.
    /// - Returns: `firmware 3.66`.
    /// - Throws: ``DeviceError`` wrapping ``SCD30Error``.
    public func start() throws(DeviceError) -> String {
        try reporting { () throws(SCD30Error) -> String in
            guard SCD30Conversion.intervalRange.contains(configuration.measurementIntervalSeconds) else {
                throw .configuration("measurement interval \(configuration.measurementIntervalSeconds) s outside 2...1800")
            }
            let pressure = try SCD30Conversion.pressureArgument(configuration.ambientPressureMbar)
            let raw = try bus { () throws(ModbusError) in
                try client.readHoldingRegisters(unit: unit, address: SCD30Register.firmwareVersion, count: 1)
            }
            guard let word = raw.first else { throw .malformed("empty firmware version") }
            let version = SCD30Conversion.firmwareVersion(word)
            try bus { () throws(ModbusError) in
                try client.writeSingleRegister(
                    unit: unit, address: SCD30Register.measurementInterval,
                    value: configuration.measurementIntervalSeconds)
                try client.writeSingleRegister(unit: unit, address: SCD30Register.startContinuousMeasurement, value: pressure)
            }
            return "firmware \(version.major).\(version.minor)"
        }
    }

    /// Reads one measurement if the sensor has a new one.
    /// - Throws: ``DeviceError`` wrapping ``SCD30Error``: `.notReady` when no new measurement.
    public func readSample() throws(DeviceError) -> [Reading] {
        let measurement = try reporting { () throws(SCD30Error) -> SCD30Measurement in
            let ready = try bus { () throws(ModbusError) in
                try client.readHoldingRegisters(unit: unit, address: SCD30Register.dataReady, count: 1)
            }
            guard ready.first == 1 else { throw .notReady }
            let registers = try bus { () throws(ModbusError) in
                try client.readHoldingRegisters(unit: unit, address: SCD30Register.measurement, count: SCD30Register.measurementCount)
            }
            return try SCD30Conversion.measurement(registers)
        }
        return [
            Reading("co2_ppm", Double(measurement.co2Ppm)),
            Reading("temperature_c", Double(measurement.temperatureC)),
            Reading("humidity_pct", Double(measurement.humidityPct)),
        ]
    }

    /// Stops continuous measurement (the sensor keeps the setting across power cycles otherwise).
    public func stop() throws(DeviceError) {
        try reporting { () throws(SCD30Error) in
            try bus { () throws(ModbusError) in
                try client.writeSingleRegister(
                    unit: unit, address: SCD30Register.stopContinuousMeasurement,
                    value: SCD30Register.commandArgument)
            }
        }
    }

    private func bus<T>(_ body: () throws(ModbusError) -> T) throws(SCD30Error) -> T {
        do { return try body() } catch { throw .bus(error) }
    }

}
