import HAL

/// An INA226 failure.
public enum INA226Error: DriverError, Equatable {
    /// The bus failed.
    case bus(I2CError)
    /// The manufacturer ID register did not read 0x5449.
    case unexpectedManufacturerID(UInt16)
    /// The die ID register's device field did not read 0x226.
    case unexpectedDieID(UInt16)
    /// The calibration register did not read back what was written.
    case calibrationReadback(wrote: UInt16, read: UInt16)
    /// The bus-voltage register has bit 15 set, which the device never does.
    case invalidBusVoltage(UInt16)
    /// The shunt ADC is saturated (±81.92 mV): the current is beyond what the shunt can measure.
    case shuntOverRange(Int16)
    /// The configuration is unusable (zero shunt, calibration overflow, range beyond the ADC).
    case configuration(String)

    public var category: DeviceFaultCategory {
        switch self {
        case .bus: return .bus
        case .unexpectedManufacturerID, .unexpectedDieID, .calibrationReadback: return .identity
        case .invalidBusVoltage, .shuntOverRange: return .data
        case .configuration: return .configuration
        }
    }

    public var description: String {
        func hex(_ value: UInt16) -> String { "0x" + String(value, radix: 16) }
        switch self {
        case .bus(let error): return "ina226: \(error)"
        case .unexpectedManufacturerID(let id): return "ina226: manufacturer id \(hex(id)), expected 0x5449"
        case .unexpectedDieID(let id): return "ina226: die id \(hex(id)), expected 0x226x"
        case .calibrationReadback(let wrote, let read): return "ina226: calibration wrote \(hex(wrote)), read back \(hex(read))"
        case .invalidBusVoltage(let raw): return "ina226: bus voltage register \(hex(raw)) has bit 15 set"
        case .shuntOverRange(let raw): return "ina226: shunt voltage saturated (\(raw))"
        case .configuration(let text): return "ina226: configuration: \(text)"
        }
    }
}

/// One INA226 sample.
public struct INA226Measurement: Sendable, Equatable {
    /// Bus voltage (VBUS to GND), V.
    public var busVoltageV: Double
    /// Shunt voltage (IN+ − IN−), V; positive for current flowing IN+ → IN−.
    public var shuntVoltageV: Double
    /// Current, A, signed like the shunt voltage.
    public var currentA: Double
    /// Power, W: the device's power register, a magnitude (the sign is that of ``currentA``).
    public var powerW: Double

    /// The readings: `bus_voltage_v`, `shunt_voltage_v`, `current_a`, `power_w`.
    public var readings: [Reading] {
        [
            Reading("bus_voltage_v", busVoltageV), Reading("shunt_voltage_v", shuntVoltageV),
            Reading("current_a", currentA), Reading("power_w", powerW),
        ]
    }
}

/// TI INA226 current/power monitor on I2C (0x40…0x4F), in continuous shunt-and-bus mode.
///
/// ``start()`` checks the manufacturer and die IDs, writes the configuration and the calibration
/// register CAL = 0.00512 / (Current_LSB × R_shunt), Current_LSB = max_current / 2^15, and reads
/// CAL back. A sample reads the shunt, bus, current and power registers. Registers are sent MSB
/// first; SMBus words are swapped through ``I2CBus/readBigEndianWord(_:register:)``.
///
/// - Warning: Not thread-safe: use one instance from one thread.
public final class INA226<Bus: I2CBus>: SensorDevice {
    /// Monitor settings.
    public struct Configuration: Sendable, Equatable {
        /// Shunt resistance, Ω (`shunt_ohms`); default 0.1 Ω (the common "R100" module).
        public var shuntOhms: Double = 0.1
        /// Largest current to measure, A (`max_current_a`); default 0.8 A (80 mV across 0.1 Ω,
        /// inside the ±81.92 mV shunt range).
        public var maxCurrentA: Double = 0.8
        /// Averaging; default 16.
        public var averaging: INA226Averaging = .x16
        /// Bus-voltage conversion time; default 1.1 ms.
        public var busConversionTime: INA226ConversionTime = .us1100
        /// Shunt-voltage conversion time; default 1.1 ms.
        public var shuntConversionTime: INA226ConversionTime = .us1100

        public init() {}
        public init(shuntOhms: Double, maxCurrentA: Double) {
            self.shuntOhms = shuntOhms
            self.maxCurrentA = maxCurrentA
        }

        /// The configuration register value (continuous shunt and bus, reserved bits as read).
        public var registerValue: UInt16 {
            INA226Constant.reservedBits | averaging.rawValue << 9 | busConversionTime.rawValue << 6
                | shuntConversionTime.rawValue << 3 | INA226Mode.shuntAndBusContinuous.rawValue
        }
    }

    public let name: String
    public let driver = "ina226"
    public let bus: Bus
    public let address: I2CAddress
    public let configuration: Configuration
    /// The calibration written by ``start()``.
    public private(set) var calibration: INA226Conversion.Calibration?

    /// Creates the driver; no bus traffic until ``start()``.
    public init(name: String, bus: Bus, address: I2CAddress = I2CAddress(0x40), configuration: Configuration = Configuration()) {
        self.name = name
        self.bus = bus
        self.address = address
        self.configuration = configuration
    }

    public func start() throws(DeviceError) -> String {
        try reporting { () throws(INA226Error) -> String in
            let die = try identifyAndConfigure()
            return "manufacturer id 0x5449 die id 0x" + String(die, radix: 16)
        }
    }

    public func readSample() throws(DeviceError) -> [Reading] {
        try reporting { () throws(INA226Error) -> [Reading] in
            return try measure().readings
        }
    }

    /// The calibration for a configuration, or the `configuration` error that makes it unusable.
    public static func calibration(for configuration: Configuration) throws(INA226Error) -> INA226Conversion.Calibration {
        let calibration: INA226Conversion.Calibration
        switch INA226Conversion.calibration(shuntOhms: configuration.shuntOhms, maxCurrentA: configuration.maxCurrentA) {
        case .success(let value): calibration = value
        case .failure(.shuntNotPositive): throw .configuration("shunt_ohms must be positive")
        case .failure(.maximumCurrentNotPositive): throw .configuration("max_current_a must be positive")
        case .failure(.overflow(let exact)): throw .configuration("calibration \(exact) exceeds 0x7FFF (shunt too small for max_current_a)")
        case .failure(.underflow(let exact)): throw .configuration("calibration \(exact) rounds to 0")
        }
        let fullScale = 32767 * INA226Constant.shuntVoltsPerLSB
        guard configuration.maxCurrentA * configuration.shuntOhms <= fullScale else {
            throw .configuration("max_current_a × shunt_ohms exceeds the 81.92 mV shunt range")
        }
        return calibration
    }

    /// Checks the IDs, writes configuration and calibration, reads the calibration back.
    /// - Returns: the die ID.
    @discardableResult
    public func identifyAndConfigure() throws(INA226Error) -> UInt16 {
        let calibration = try Self.calibration(for: configuration)
        let manufacturer = try read(.manufacturerID)
        guard manufacturer == INA226Constant.manufacturerID else { throw .unexpectedManufacturerID(manufacturer) }
        let die = try read(.dieID)
        guard die >> 4 == INA226Constant.deviceID else { throw .unexpectedDieID(die) }
        try write(.configuration, configuration.registerValue)
        try write(.calibration, calibration.register)
        let readBack = try read(.calibration)
        guard readBack == calibration.register else { throw .calibrationReadback(wrote: calibration.register, read: readBack) }
        self.calibration = calibration
        return die
    }

    /// Reads one sample.
    /// - Throws: ``INA226Error``; `.configuration` if not started.
    public func measure() throws(INA226Error) -> INA226Measurement {
        guard let calibration else { throw .configuration("not started") }
        let shunt = try read(.shuntVoltage)
        let busVoltage = try read(.busVoltage)
        let current = try read(.current)
        let power = try read(.power)
        return try Self.measurement(shunt: shunt, bus: busVoltage, current: current, power: power, currentLSB: calibration.currentLSB)
    }

    /// Converts the four registers (pure).
    /// - Throws: `.invalidBusVoltage`, `.shuntOverRange`.
    public static func measurement(shunt: UInt16, bus: UInt16, current: UInt16, power: UInt16, currentLSB: Double) throws(INA226Error) -> INA226Measurement {
        let shuntRaw = Int16(bitPattern: shunt)
        guard shuntRaw != .max, shuntRaw != .min else { throw .shuntOverRange(shuntRaw) }
        guard bus & 0x8000 == 0 else { throw .invalidBusVoltage(bus) }
        return INA226Measurement(
            busVoltageV: INA226Conversion.busVolts(bus),
            shuntVoltageV: INA226Conversion.shuntVolts(shuntRaw),
            currentA: INA226Conversion.amperes(Int16(bitPattern: current), currentLSB: currentLSB),
            powerW: INA226Conversion.watts(power, currentLSB: currentLSB)
        )
    }

    private func read(_ register: INA226Register) throws(INA226Error) -> UInt16 {
        do { return try bus.readBigEndianWord(address, register: register.rawValue) } catch { throw .bus(error) }
    }

    private func write(_ register: INA226Register, _ value: UInt16) throws(INA226Error) {
        do { try bus.writeBigEndianWord(address, register: register.rawValue, value: value) } catch { throw .bus(error) }
    }
}
