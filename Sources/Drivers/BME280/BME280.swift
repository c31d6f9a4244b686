import HAL

/// A BME280 failure.
public enum BME280Error: DriverError, Equatable {
    /// The bus failed.
    case bus(I2CError)
    /// The `id` register did not read 0x60.
    case unexpectedChipID(UInt8)
    /// The calibration NVM did not finish loading (`im_update` stayed set) after a reset.
    case calibrationNotLoaded
    /// The trimming parameters read are not those of a trimmed device (dig_T1 or dig_P1 zero).
    case implausibleCalibration
    /// A conversion did not finish (`measuring` stayed set) within the allowed polls.
    case notReady(polls: Int)
    /// A channel that was enabled reported the "skipped" value (0x80000, humidity 0x8000).
    case measurementSkipped(channel: String)
    /// The bus returned fewer bytes than asked for.
    case shortRead(register: UInt8, expected: Int, got: Int)
    /// A compensated value is outside the sensor's operating range (§1, table 1).
    case outOfRange(channel: String, value: Double)
    /// The compensation could not be computed (division by zero in the reference formula).
    case compensationFailed
    /// The configuration cannot be used (temperature oversampling skipped: it feeds t_fine).
    case configuration(String)

    public var category: DeviceFaultCategory {
        switch self {
        case .bus: return .bus
        case .unexpectedChipID, .calibrationNotLoaded: return .identity
        case .implausibleCalibration, .measurementSkipped, .shortRead, .outOfRange, .compensationFailed: return .data
        case .notReady: return .notReady
        case .configuration: return .configuration
        }
    }

    public var description: String {
        switch self {
        case .bus(let error): return "bme280: \(error)"
        case .unexpectedChipID(let id): return "bme280: chip id 0x\(String(id, radix: 16)), expected 0x60"
        case .calibrationNotLoaded: return "bme280: calibration NVM copy did not complete after reset"
        case .implausibleCalibration: return "bme280: implausible calibration (dig_T1 or dig_P1 is zero)"
        case .notReady(let polls): return "bme280: conversion not complete after \(polls) status polls"
        case .measurementSkipped(let channel): return "bme280: \(channel) measurement reads the 'skipped' value"
        case .shortRead(let register, let expected, let got):
            return "bme280: read of 0x\(String(register, radix: 16)) returned \(got) bytes, expected \(expected)"
        case .outOfRange(let channel, let value): return "bme280: \(channel) \(value) outside the operating range"
        case .compensationFailed: return "bme280: pressure compensation divides by zero (bad calibration)"
        case .configuration(let text): return "bme280: configuration: \(text)"
        }
    }
}

/// One compensated BME280 sample.
public struct BME280Measurement: Sendable, Equatable {
    /// Temperature, °C (resolution 0.01 °C).
    public var temperatureC: Double
    /// Pressure, Pa (resolution 1/256 Pa); `nil` when pressure oversampling is `.skipped`.
    public var pressurePa: Double?
    /// Relative humidity, %RH (resolution 1/1024 %RH); `nil` when humidity oversampling is `.skipped`.
    public var humidityPct: Double?

    /// The readings: `temperature_c`, `pressure_pa`, `humidity_pct`.
    public var readings: [Reading] {
        var list = [Reading("temperature_c", temperatureC)]
        if let pressurePa { list.append(Reading("pressure_pa", pressurePa)) }
        if let humidityPct { list.append(Reading("humidity_pct", humidityPct)) }
        return list
    }
}

/// Bosch BME280 temperature, pressure and humidity sensor on I2C (address 0x76 or 0x77).
///
/// **Forced mode.** Every ``measure()`` writes `ctrl_meas` with mode = forced, waits the
/// datasheet's maximum measurement time (§9.1, appendix B) on the injected clock, then polls
/// `status.measuring` a bounded number of times and burst-reads 0xF7…0xFE. The sample is taken
/// when the sampler asks for it (no free-running normal-mode timing to align with), and the
/// device sleeps between samples. On Linux's i2c-stub the status register is plain memory and
/// reads 0, so the poll ends at once.
///
/// Compensation: the datasheet's integer formulas (§4.2.3), 64-bit for pressure. Values outside
/// the operating range (−40…85 °C, 300…1100 hPa; humidity 0…100 %RH widened by the ±3 %RH
/// accuracy) are reported as ``BME280Error/outOfRange(channel:value:)``, never clamped.
///
/// Only SMBus calls are used (byte data and I2C block reads of at most 32 bytes).
///
/// - Warning: Not thread-safe: use one instance from one thread (the device's I/O thread).
public final class BME280<Bus: I2CBus>: SensorDevice {
    /// Driver settings.
    public struct Configuration: Sendable, Equatable {
        /// Temperature oversampling; default ×1. Cannot be `.skipped` (temperature feeds the others).
        public var temperatureOversampling: BME280Oversampling = .x1
        /// Pressure oversampling; default ×1 (`.skipped` drops `pressure_pa`).
        public var pressureOversampling: BME280Oversampling = .x1
        /// Humidity oversampling; default ×1 (`.skipped` drops `humidity_pct`).
        public var humidityOversampling: BME280Oversampling = .x1
        /// IIR filter; default off (in forced mode each sample is independent).
        public var filter: BME280Filter = .off
        /// Whether ``start()`` soft-resets the device first; default `true`.
        public var softReset: Bool = true
        /// How many times `status` is read after the nominal wait before giving up; default 10.
        public var readyPolls: Int = 10
        /// Wait between two status polls; default 1 ms.
        public var pollInterval: Duration = .milliseconds(1)

        public init() {}
    }

    public let name: String
    public let driver = "bme280"
    public let bus: Bus
    public let address: I2CAddress
    public let configuration: Configuration
    private let clock: any MonotonicClock
    /// The trimming parameters, read by ``start()``.
    public private(set) var calibration: BME280Calibration?

    /// Creates the driver; no bus traffic until ``start()``.
    /// - Parameters:
    ///   - clock: the clock waits are taken on (a `SimClock` in simulation and tests).
    public init(name: String, bus: Bus, address: I2CAddress = I2CAddress(0x76), configuration: Configuration = Configuration(), clock: any MonotonicClock) {
        self.name = name
        self.bus = bus
        self.address = address
        self.configuration = configuration
        self.clock = clock
    }

    /// The datasheet's maximum measurement time for the configured oversampling (§9.1):
    /// 1.25 ms + 2.3 ms·osrs_t + (2.3 ms·osrs_p + 0.575 ms) + (2.3 ms·osrs_h + 0.575 ms),
    /// each term only when that channel is enabled.
    public var maximumMeasurementTime: Duration {
        var microseconds = 1250 + 2300 * configuration.temperatureOversampling.factor
        if configuration.pressureOversampling != .skipped {
            microseconds += 2300 * configuration.pressureOversampling.factor + 575
        }
        if configuration.humidityOversampling != .skipped {
            microseconds += 2300 * configuration.humidityOversampling.factor + 575
        }
        return .microseconds(microseconds)
    }

    // MARK: SensorDevice

    public func start() throws(DeviceError) -> String {
        try reporting { () throws(BME280Error) -> String in
            try identifyAndConfigure()
            return "chip id 0x60"
        }
    }

    public func readSample() throws(DeviceError) -> [Reading] {
        try reporting { () throws(BME280Error) -> [Reading] in
            return try measure().readings
        }
    }

    // MARK: Typed API

    /// Checks the chip ID, optionally soft-resets, reads the calibration and writes the
    /// oversampling and filter settings (`ctrl_hum` before `ctrl_meas`, §5.4.3), leaving the
    /// device in sleep mode.
    /// - Throws: ``BME280Error``.
    public func identifyAndConfigure() throws(BME280Error) {
        guard configuration.temperatureOversampling != .skipped else {
            throw .configuration("temperature oversampling cannot be skipped")
        }
        guard configuration.readyPolls >= 1 else { throw .configuration("readyPolls must be at least 1") }
        let id = try readByte(.id)
        guard id == BME280Constant.chipID else { throw .unexpectedChipID(id) }
        if configuration.softReset {
            try writeByte(.reset, BME280Constant.resetCommand)
            clock.sleep(until: clock.now + BME280Constant.startupTime)
            try waitUntilClear(.imageUpdate, failure: .calibrationNotLoaded)
        }
        let block1 = try readBlock(.calibration0, count: BME280Constant.calibrationBlock1Length)
        let block2 = try readBlock(.calibration26, count: BME280Constant.calibrationBlock2Length)
        guard let calibration = BME280Calibration(block1: block1, block2: block2), calibration.isPlausible else {
            throw .implausibleCalibration
        }
        self.calibration = calibration
        // ctrl_hum only takes effect after the next write of ctrl_meas (§5.4.3), so it goes first.
        try writeByte(.controlHumidity, configuration.humidityOversampling.rawValue)
        try writeByte(.config, configuration.filter.rawValue << 2)
        try writeByte(.controlMeasurement, controlMeasurement(.sleep))
    }

    /// Takes one forced-mode measurement and compensates it.
    /// - Throws: ``BME280Error``; `.configuration` if ``identifyAndConfigure()`` has not succeeded.
    public func measure() throws(BME280Error) -> BME280Measurement {
        guard let calibration else { throw .configuration("not started") }
        try writeByte(.controlMeasurement, controlMeasurement(.forced))
        clock.sleep(until: clock.now + maximumMeasurementTime)
        try waitUntilClear(.measuring, failure: .notReady(polls: configuration.readyPolls))
        let block = try readBlock(.pressureMSB, count: BME280Constant.dataBlockLength)
        guard let raw = BME280RawSample(dataBlock: block) else {
            throw .shortRead(register: BME280Register.pressureMSB.rawValue, expected: BME280Constant.dataBlockLength, got: block.count)
        }
        return try Self.compensate(
            raw, calibration: calibration, pressure: configuration.pressureOversampling != .skipped,
            humidity: configuration.humidityOversampling != .skipped)
    }

    /// Compensates a raw sample and checks it against the operating range (pure; testable on bytes).
    /// - Parameters:
    ///   - pressure: whether pressure was measured (else it is not reported).
    ///   - humidity: whether humidity was measured.
    /// - Throws: ``BME280Error`` `.measurementSkipped`, `.outOfRange`, `.compensationFailed`.
    public static func compensate(_ raw: BME280RawSample, calibration: BME280Calibration, pressure: Bool = true, humidity: Bool = true) throws(BME280Error) -> BME280Measurement {
        guard raw.temperature != BME280Constant.skippedTemperaturePressure else { throw .measurementSkipped(channel: "temperature") }
        let tFine = BME280Compensation.fineTemperature(adcT: raw.temperature, calibration)
        let temperature = Double(BME280Compensation.temperatureCentiCelsius(fineTemperature: tFine)) / 100
        guard (-40.0...85.0).contains(temperature) else { throw .outOfRange(channel: "temperature", value: temperature) }
        var result = BME280Measurement(temperatureC: temperature, pressurePa: nil, humidityPct: nil)
        if pressure {
            guard raw.pressure != BME280Constant.skippedTemperaturePressure else { throw .measurementSkipped(channel: "pressure") }
            guard let q = BME280Compensation.pressureQ24_8(adcP: raw.pressure, fineTemperature: tFine, calibration) else {
                throw .compensationFailed
            }
            let pascal = Double(q) / 256
            guard (30_000.0...110_000.0).contains(pascal) else { throw .outOfRange(channel: "pressure", value: pascal) }
            result.pressurePa = pascal
        }
        if humidity {
            guard raw.humidity != BME280Constant.skippedHumidity else { throw .measurementSkipped(channel: "humidity") }
            let q = BME280Compensation.humidityQ22_10Unclamped(adcH: raw.humidity, fineTemperature: tFine, calibration)
            let percent = Double(q) / 1024
            // The datasheet clamps to 0…100 %RH; instead, values within the sensor's ±3 %RH
            // accuracy of that range pass unclamped (quantisation puts 100 %RH at 100.003) and
            // anything further out is reported.
            guard (-3.0...103.0).contains(percent) else { throw .outOfRange(channel: "humidity", value: percent) }
            result.humidityPct = percent
        }
        return result
    }

    // MARK: Bus access

    private func controlMeasurement(_ mode: BME280Mode) -> UInt8 {
        BME280Oversampling.controlMeasurement(
            temperature: configuration.temperatureOversampling,
            pressure: configuration.pressureOversampling, mode: mode)
    }

    private func waitUntilClear(_ bit: BME280Status, failure: BME280Error) throws(BME280Error) {
        for poll in 0..<configuration.readyPolls {
            if poll > 0 { clock.sleep(until: clock.now + configuration.pollInterval) }
            let status = BME280Status(rawValue: try readByte(.status))
            if !status.contains(bit) { return }
        }
        throw failure
    }

    private func readByte(_ register: BME280Register) throws(BME280Error) -> UInt8 {
        do { return try bus.readByteData(address, register: register.rawValue) } catch { throw .bus(error) }
    }

    private func writeByte(_ register: BME280Register, _ value: UInt8) throws(BME280Error) {
        do { try bus.writeByteData(address, register: register.rawValue, value: value) } catch { throw .bus(error) }
    }

    private func readBlock(_ register: BME280Register, count: Int) throws(BME280Error) -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = try bus.readBlockData(address, register: register.rawValue, count: count) } catch { throw .bus(error) }
        guard bytes.count == count else { throw .shortRead(register: register.rawValue, expected: count, got: bytes.count) }
        return bytes
    }
}
