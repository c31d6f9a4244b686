/// INA226 register pointers (TI SBOS547C, §7.1 "Register Maps"). All registers are
/// 16-bit, sent most-significant byte first.
public enum INA226Register: UInt8, Sendable {
    /// Configuration: reset, averaging, conversion times, mode (§7.1.1). Power-on 0x4127.
    case configuration = 0x00
    /// Shunt voltage, signed, 2.5 µV/LSB (§7.1.2).
    case shuntVoltage = 0x01
    /// Bus voltage, unsigned 15 bits, 1.25 mV/LSB (§7.1.3).
    case busVoltage = 0x02
    /// Power, unsigned, 25 × Current_LSB (§7.1.4).
    case power = 0x03
    /// Current, signed, Current_LSB (§7.1.5).
    case current = 0x04
    /// Calibration, bits 14…0 (§7.1.6).
    case calibration = 0x05
    /// Mask/Enable: alert configuration and conversion-ready flag (§7.1.7).
    case maskEnable = 0x06
    /// Alert limit (§7.1.8).
    case alertLimit = 0x07
    /// Manufacturer ID, 0x5449 "TI" (§7.1.9).
    case manufacturerID = 0xFE
    /// Die ID, 0x2260: device 0x226, revision 0 (§7.1.10).
    case dieID = 0xFF
}

/// INA226 constants.
public enum INA226Constant {
    public static let manufacturerID: UInt16 = 0x5449
    /// Die ID bits 15…4 (`DID`); bits 3…0 are the die revision.
    public static let deviceID: UInt16 = 0x226
    /// Shunt voltage LSB, volts (§7.1.2).
    public static let shuntVoltsPerLSB = 2.5e-6
    /// Bus voltage LSB, volts (§7.1.3).
    public static let busVoltsPerLSB = 1.25e-3
    /// The internal scaling constant of the calibration equation (§6.5.1, equation 1).
    public static let calibrationScale = 0.00512
    /// Configuration bit 15: resets every register.
    public static let resetBit: UInt16 = 1 << 15
    /// Configuration bits 14…12 read back 0b100 (reserved).
    public static let reservedBits: UInt16 = 0b100 << 12
}

/// Number of averages, configuration bits 11…9 `AVG` (§7.1.1).
public enum INA226Averaging: UInt16, Sendable, CaseIterable {
    case x1 = 0, x4, x16, x64, x128, x256, x512, x1024
}

/// ADC conversion time, configuration bits 8…6 `VBUSCT` and 5…3 `VSHCT` (§7.1.1).
public enum INA226ConversionTime: UInt16, Sendable, CaseIterable {
    case us140 = 0, us204, us332, us588, us1100, us2116, us4156, us8244
}

/// Operating mode, configuration bits 2…0 `MODE` (§7.1.1).
public enum INA226Mode: UInt16, Sendable {
    case powerDown = 0b000
    case shuntTriggered = 0b001
    case busTriggered = 0b010
    case shuntAndBusTriggered = 0b011
    case shuntContinuous = 0b101
    case busContinuous = 0b110
    /// Shunt and bus, continuous: the power-on default.
    case shuntAndBusContinuous = 0b111
}
