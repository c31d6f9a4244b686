import HAL

/// An ADS1115 or galvanic-O2-cell failure.
public enum ADS1115Error: DriverError, Equatable {
    /// The bus failed.
    case bus(I2CError)
    /// The config register did not read back what was written (not an ADS1115, or a bad bus).
    case configReadback(wrote: UInt16, read: UInt16)
    /// `OS` stayed 0 (conversion running) after the allowed polls.
    case notReady(polls: Int)
    /// The cell voltage is negative: the cell is disconnected or reversed.
    case cellVoltageNegative(millivolts: Double)
    /// The input is at or beyond the PGA's full scale (the ADC saturated): cell shorted to a
    /// rail, disconnected with the input floating, or the wrong gain.
    case cellVoltageOverRange(millivolts: Double)
    /// The O2 fraction is more than 100 % of the cabin pressure (calibration or pressure wrong).
    case implausibleOxygenFraction(percent: Double)
    /// The cabin pressure fed to the sensor is not a positive finite number.
    case invalidCabinPressure(Double)
    /// The configuration cannot be used (calibration not positive, polls below 1).
    case configuration(String)

    public var category: DeviceFaultCategory {
        switch self {
        case .bus: return .bus
        case .configReadback: return .identity
        case .notReady: return .notReady
        case .cellVoltageNegative, .cellVoltageOverRange, .implausibleOxygenFraction, .invalidCabinPressure: return .data
        case .configuration: return .configuration
        }
    }

    public var description: String {
        switch self {
        case .bus(let error): return "ads1115: \(error)"
        case .configReadback(let wrote, let read):
            return "ads1115: config wrote 0x\(String(wrote, radix: 16)), read back 0x\(String(read, radix: 16))"
        case .notReady(let polls): return "ads1115: conversion not complete after \(polls) polls"
        case .cellVoltageNegative(let mv): return "ads1115: O2 cell voltage \(mv) mV is negative (cell disconnected or reversed)"
        case .cellVoltageOverRange(let mv): return "ads1115: O2 cell voltage \(mv) mV at or beyond full scale"
        case .implausibleOxygenFraction(let pct): return "ads1115: O2 fraction \(pct) % exceeds 100 %"
        case .invalidCabinPressure(let pa): return "ads1115: cabin pressure \(pa) Pa is not usable"
        case .configuration(let text): return "ads1115: configuration: \(text)"
        }
    }
}

/// TI ADS1115 16-bit delta-sigma ADC on I2C (address 0x48…0x4B), used in single-shot mode.
///
/// A conversion writes the config register with `OS` = 1, waits the data rate's maximum
/// conversion time on the injected clock, polls `OS` until it reads 1 (bounded), then reads the
/// conversion register. 16-bit registers travel MSB first, so the SMBus word calls go through
/// ``I2CBus/readBigEndianWord(_:register:)`` / ``I2CBus/writeBigEndianWord(_:register:value:)``.
/// On i2c-stub the config register is memory and reads back `OS` = 1 at once.
///
/// - Warning: Not thread-safe: use one instance from one thread.
public final class ADS1115<Bus: I2CBus> {
    public let bus: Bus
    public let address: I2CAddress
    private let clock: any MonotonicClock
    /// How many times `OS` is read after the nominal wait; at least 1.
    public let readyPolls: Int

    /// Creates the ADC; no bus traffic.
    public init(bus: Bus, address: I2CAddress = I2CAddress(0x48), clock: any MonotonicClock, readyPolls: Int = 5) {
        self.bus = bus
        self.address = address
        self.clock = clock
        self.readyPolls = max(readyPolls, 1)
    }

    /// Writes `config` with `OS` clear (no conversion, device stays powered down) and reads it
    /// back; the ADS1115 has no ID register, so this is how it is identified.
    /// - Returns: the value read back.
    /// - Throws: ``ADS1115Error/configReadback(wrote:read:)`` if bits 14…0 differ.
    @discardableResult
    public func configure(_ config: ADS1115Config) throws(ADS1115Error) -> UInt16 {
        try write(.config, config.rawValue)
        let read = try readWord(.config)
        guard read & ~ADS1115Config.operationalStatus == config.rawValue else {
            throw .configReadback(wrote: config.rawValue, read: read)
        }
        return read
    }

    /// Runs one single-shot conversion and returns the raw code.
    /// - Throws: ``ADS1115Error`` `.bus`, `.notReady`.
    public func convert(_ config: ADS1115Config) throws(ADS1115Error) -> Int16 {
        try write(.config, config.rawValue | ADS1115Config.operationalStatus)
        clock.sleep(until: clock.now + config.dataRate.maximumConversionTime)
        var done = false
        for poll in 0..<readyPolls {
            if poll > 0 { clock.sleep(until: clock.now + .microseconds(200)) }
            if try readWord(.config) & ADS1115Config.operationalStatus != 0 {
                done = true
                break
            }
        }
        guard done else { throw .notReady(polls: readyPolls) }
        return Int16(bitPattern: try readWord(.conversion))
    }

    /// Runs one single-shot conversion and returns volts.
    public func voltage(_ config: ADS1115Config) throws(ADS1115Error) -> Double {
        ADS1115Conversion.volts(code: try convert(config), gain: config.gain)
    }

    private func readWord(_ register: ADS1115Register) throws(ADS1115Error) -> UInt16 {
        do { return try bus.readBigEndianWord(address, register: register.rawValue) } catch { throw .bus(error) }
    }

    private func write(_ register: ADS1115Register, _ value: UInt16) throws(ADS1115Error) {
        do { try bus.writeBigEndianWord(address, register: register.rawValue, value: value) } catch { throw .bus(error) }
    }
}

/// One galvanic O2 cell sample.
public struct O2CellMeasurement: Sendable, Equatable {
    /// Cell output, mV.
    public var cellMillivolts: Double
    /// Oxygen partial pressure, kPa.
    public var ppO2kPa: Double
    /// Oxygen volume fraction at the cabin pressure, %.
    public var o2Percent: Double

    /// The readings: `cell_mv`, `ppo2_kpa`, `o2_pct`.
    public var readings: [Reading] {
        [Reading("cell_mv", cellMillivolts), Reading("ppo2_kpa", ppO2kPa), Reading("o2_pct", o2Percent)]
    }
}

/// A galvanic oxygen cell read differentially by an ADS1115 (driver name `ads1115-o2`).
///
/// The cell's output is proportional to ppO2; ppO2 = mV × cal_ppo2 / cal_mv; the O2 fraction is
/// ppO2 / ``cabinPressurePa`` × 100, where the cabin pressure is fed by the flight core (the
/// BME280's pressure) and defaults to 101325 Pa. A negative or saturated cell voltage is a
/// disconnected or broken cell and is reported as `.data`, never clamped.
///
/// - Warning: ``start()`` and ``readSample()`` run on one thread; ``cabinPressurePa`` may be set
///   from any thread.
public final class ADS1115O2Sensor<Bus: I2CBus>: SensorDevice {
    /// Sensor settings.
    public struct Configuration: Sendable, Equatable {
        /// The cell calibration (defaults: 10.0 mV at 21.2 kPa).
        public var cell = GalvanicO2Calibration()
        /// The ADC input the cell is wired to; default AIN0 − AIN1 (differential).
        public var multiplexer: ADS1115Multiplexer = .ain0MinusAin1
        /// PGA range; default ±0.256 V (7.8125 µV per code; a cell gives up to ~70 mV at 150 kPa ppO2).
        public var gain: ADS1115Gain = .fullScale0_256V
        /// Data rate; default 128 SPS (≤ 7.9 ms per conversion).
        public var dataRate: ADS1115DataRate = .sps128
        /// Polls of `OS` after the nominal conversion time; default 5.
        public var readyPolls: Int = 5

        public init() {}

        /// The ADC config for this sensor.
        public var adcConfig: ADS1115Config { ADS1115Config(multiplexer: multiplexer, gain: gain, dataRate: dataRate) }
    }

    public let name: String
    public let driver = "ads1115-o2"
    public let configuration: Configuration
    /// The ADC underneath.
    public let adc: ADS1115<Bus>
    private let cabinPressure = LockedValue(101_325.0)

    /// The total pressure the O2 fraction is computed against, Pa; default 101325.
    public var cabinPressurePa: Double {
        get { cabinPressure.current }
        set { cabinPressure.withLock { $0 = newValue } }
    }

    /// Creates the sensor; no bus traffic until ``start()``.
    public init(name: String, bus: Bus, address: I2CAddress = I2CAddress(0x48), configuration: Configuration = Configuration(), clock: any MonotonicClock) {
        self.name = name
        self.configuration = configuration
        self.adc = ADS1115(bus: bus, address: address, clock: clock, readyPolls: configuration.readyPolls)
    }

    public func start() throws(DeviceError) -> String {
        try reporting { () throws(ADS1115Error) -> String in
            let read = try identifyAndConfigure()
            return "ads1115 config 0x" + String(read, radix: 16)
        }
    }

    public func readSample() throws(DeviceError) -> [Reading] {
        try reporting { () throws(ADS1115Error) -> [Reading] in
            return try measure().readings
        }
    }

    /// Validates the configuration, then writes and reads back the ADC config.
    /// - Returns: the config register read back.
    @discardableResult
    public func identifyAndConfigure() throws(ADS1115Error) -> UInt16 {
        guard configuration.cell.isValid else { throw .configuration("cell calibration must be positive and finite") }
        guard configuration.readyPolls >= 1 else { throw .configuration("readyPolls must be at least 1") }
        return try adc.configure(configuration.adcConfig)
    }

    /// Converts the cell voltage and derives ppO2 and the O2 fraction.
    /// - Throws: ``ADS1115Error``.
    public func measure() throws(ADS1115Error) -> O2CellMeasurement {
        let code = try adc.convert(configuration.adcConfig)
        return try Self.measurement(code: code, gain: configuration.gain, cell: configuration.cell, cabinPressurePa: cabinPressurePa)
    }

    /// The measurement for a conversion code (pure).
    /// - Throws: `.cellVoltageNegative` for a negative code, `.cellVoltageOverRange` at
    ///   positive full scale (0x7FFF), `.invalidCabinPressure`, `.implausibleOxygenFraction`.
    public static func measurement(code: Int16, gain: ADS1115Gain, cell: GalvanicO2Calibration, cabinPressurePa: Double) throws(ADS1115Error) -> O2CellMeasurement {
        let millivolts = ADS1115Conversion.volts(code: code, gain: gain) * 1000
        guard code >= 0 else { throw .cellVoltageNegative(millivolts: millivolts) }
        guard code < Int16.max else { throw .cellVoltageOverRange(millivolts: millivolts) }
        guard cabinPressurePa.isFinite, cabinPressurePa > 0 else { throw .invalidCabinPressure(cabinPressurePa) }
        let ppO2 = cell.ppO2kPa(cellMillivolts: millivolts)
        let percent = OxygenConversion.percent(ppO2kPa: ppO2, cabinPressurePa: cabinPressurePa)
        guard percent <= 100 else { throw .implausibleOxygenFraction(percent: percent) }
        return O2CellMeasurement(cellMillivolts: millivolts, ppO2kPa: ppO2, o2Percent: percent)
    }
}

extension ADS1115O2Sensor: AmbientPressureCompensated {
    public func setAmbientPressure(pascals: Double) {
        cabinPressurePa = pascals
    }
}
