import HAL

/// SCD30 Modbus register addresses.
///
/// Interface Description Sensirion SCD30 Sensor Module, version 1.0 (May 2020): §1.2 (Modbus
/// protocol: RTU, 19200 baud 8N1, unit 0x61, function codes 0x03 and 0x04 read the same
/// registers, 0x06 writes one) and §1.4 (the command set; each command has an I2C code and a
/// Modbus register address, listed here with the I2C code for cross-reference).
public enum SCD30Register {
    /// §1.4.1 Trigger continuous measurement with optional ambient pressure compensation
    /// (I2C 0x0010). Argument: 0 (compensation off) or 700...1400 mbar.
    public static let startContinuousMeasurement: UInt16 = 0x0036
    /// §1.4.2 Stop continuous measurement (I2C 0x0104). Argument: 0x0001.
    public static let stopContinuousMeasurement: UInt16 = 0x0037
    /// §1.4.3 Set measurement interval (I2C 0x4600). 2...1800 s.
    public static let measurementInterval: UInt16 = 0x0025
    /// §1.4.4 Get data ready status (I2C 0x0202). 1: a measurement can be read.
    public static let dataReady: UInt16 = 0x0027
    /// §1.4.5 Read measurement (I2C 0x0300). Six registers: CO2 (ppm), temperature (°C),
    /// relative humidity (%), each an IEEE-754 float, most significant word first.
    public static let measurement: UInt16 = 0x0028
    /// Number of registers of ``measurement``.
    public static let measurementCount: UInt16 = 6
    /// §1.4.6 (De-)activate automatic self-calibration (I2C 0x5306).
    public static let automaticSelfCalibration: UInt16 = 0x003A
    /// §1.4.7 Set forced recalibration value (I2C 0x5204).
    public static let forcedRecalibration: UInt16 = 0x0039
    /// §1.4.8 Set temperature offset (I2C 0x5403).
    public static let temperatureOffset: UInt16 = 0x003B
    /// §1.4.9 Altitude compensation (I2C 0x5102).
    public static let altitudeCompensation: UInt16 = 0x0038
    /// §1.4.10 Read firmware version (I2C 0xD100): major in the high byte, minor in the low byte.
    public static let firmwareVersion: UInt16 = 0x0020
    /// §1.4.11 Soft reset (I2C 0xD304). Argument: 0x0001.
    public static let softReset: UInt16 = 0x0034

    /// The unit id the SCD30 answers on (§1.2).
    public static let defaultUnit: UInt8 = 0x61
    /// The arguments of ``stopContinuousMeasurement`` and ``softReset``.
    public static let commandArgument: UInt16 = 0x0001
}
