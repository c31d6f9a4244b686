/// BME280 register addresses (Bosch BST-BME280-DS002, §5.3 "Memory map", table 18).
public enum BME280Register: UInt8, Sendable {
    /// First calibration byte, `calib00` (dig_T1 LSB); `calib00`…`calib25` run to 0xA1 (§4.2.2, table 16).
    case calibration0 = 0x88
    /// Chip identification, reads 0x60 (§5.4.1).
    case id = 0xD0
    /// Soft reset: writing 0xB6 resets the device (§5.4.2).
    case reset = 0xE0
    /// Second calibration block, `calib26` (dig_H2 LSB); `calib26`…`calib32` run to 0xE7 (§4.2.2).
    case calibration26 = 0xE1
    /// Humidity oversampling `osrs_h[2:0]`; takes effect at the next write of `ctrl_meas` (§5.4.3).
    case controlHumidity = 0xF2
    /// `measuring[3]` and `im_update[0]` (§5.4.4).
    case status = 0xF3
    /// `osrs_t[7:5]`, `osrs_p[4:2]`, `mode[1:0]` (§5.4.5).
    case controlMeasurement = 0xF4
    /// `t_sb[7:5]`, `filter[4:2]`, `spi3w_en[0]` (§5.4.6).
    case config = 0xF5
    /// `press_msb`; the data block 0xF7…0xFE is read in one burst (§4, §5.4.7–5.4.9).
    case pressureMSB = 0xF7
}

/// BME280 constants from the datasheet.
public enum BME280Constant {
    /// The value of the `id` register (§5.4.1).
    public static let chipID: UInt8 = 0x60
    /// The value that, written to `reset`, performs a power-on reset (§5.4.2).
    public static let resetCommand: UInt8 = 0xB6
    /// Length of calibration block 1, 0x88…0xA1 (§4.2.2).
    public static let calibrationBlock1Length = 26
    /// Length of calibration block 2, 0xE1…0xE7 (§4.2.2).
    public static let calibrationBlock2Length = 7
    /// Length of the data block 0xF7…0xFE (§4).
    public static let dataBlockLength = 8
    /// The value a 20-bit temperature or pressure result holds when the measurement was skipped
    /// (reset value of the data registers, §5.4.7–5.4.8).
    public static let skippedTemperaturePressure: Int32 = 0x80000
    /// The value the 16-bit humidity result holds when the measurement was skipped (§5.4.9).
    public static let skippedHumidity: Int32 = 0x8000
    /// Start-up time after power-on or soft reset, 2 ms (§1, table 1 "t_startup").
    public static let startupTime: Duration = .milliseconds(2)
}

/// Oversampling setting of one channel, the 3-bit `osrs_x` fields (§5.4.3, §5.4.5, tables 20, 23, 24).
public enum BME280Oversampling: UInt8, Sendable, CaseIterable {
    /// The measurement is skipped; the result registers hold 0x80000 (0x8000 for humidity).
    case skipped = 0
    case x1 = 1
    case x2 = 2
    case x4 = 3
    case x8 = 4
    case x16 = 5

    /// The number of samples averaged (0 when skipped).
    public var factor: Int {
        self == .skipped ? 0 : 1 << Int(rawValue - 1)
    }
}

/// Sensor mode, `mode[1:0]` in `ctrl_meas` (§3.3, table 25).
public enum BME280Mode: UInt8, Sendable {
    case sleep = 0b00
    /// One measurement, then back to sleep (0b10 is also forced mode).
    case forced = 0b01
    case normal = 0b11
}

/// IIR filter coefficient, `filter[2:0]` in `config` (§3.4.4, table 28).
public enum BME280Filter: UInt8, Sendable {
    case off = 0
    case coefficient2 = 1
    case coefficient4 = 2
    case coefficient8 = 3
    case coefficient16 = 4
}

/// The `status` register bits (§5.4.4, table 21).
public struct BME280Status: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Set while a conversion is running.
    public static let measuring = BME280Status(rawValue: 1 << 3)
    /// Set while the NVM calibration is being copied to the image registers.
    public static let imageUpdate = BME280Status(rawValue: 1 << 0)
}

extension BME280Oversampling {
    /// The `ctrl_meas` byte for these temperature and pressure settings and `mode` (§5.4.5).
    public static func controlMeasurement(temperature: BME280Oversampling, pressure: BME280Oversampling, mode: BME280Mode) -> UInt8 {
        temperature.rawValue << 5 | pressure.rawValue << 2 | mode.rawValue
    }
}
