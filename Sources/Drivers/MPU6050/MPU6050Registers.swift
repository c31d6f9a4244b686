/// MPU-6000/6050 register addresses (InvenSense RM-MPU-6000A, register map rev 4.2; section
/// numbers are the register map's).
public enum MPU6050Register: UInt8, Sendable {
    /// Sample-rate divider (§4.2).
    case sampleRateDivider = 0x19
    /// `EXT_SYNC_SET[5:3]`, `DLPF_CFG[2:0]` (§4.3).
    case config = 0x1A
    /// `FS_SEL[4:3]` (§4.4).
    case gyroConfig = 0x1B
    /// `AFS_SEL[4:3]` (§4.5).
    case accelConfig = 0x1C
    /// `ACCEL_XOUT_H`: the 14-byte block accel XYZ, temperature, gyro XYZ, big-endian (§4.17–4.19).
    case accelXOutHigh = 0x3B
    /// `DEVICE_RESET[7]`, `SLEEP[6]`, `CYCLE[5]`, `TEMP_DIS[3]`, `CLKSEL[2:0]` (§4.28).
    case powerManagement1 = 0x6B
    /// `WHO_AM_I`: bits 6:1 of the address, 0x68 (§4.32).
    case whoAmI = 0x75
}

/// `PWR_MGMT_1` bits (§4.28).
public struct MPU6050PowerManagement: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let deviceReset = MPU6050PowerManagement(rawValue: 1 << 7)
    public static let sleep = MPU6050PowerManagement(rawValue: 1 << 6)
    public static let cycle = MPU6050PowerManagement(rawValue: 1 << 5)
    public static let temperatureDisabled = MPU6050PowerManagement(rawValue: 1 << 3)
    /// `CLKSEL` = 1: PLL with the X-axis gyroscope reference (recommended over the 8 MHz oscillator).
    public static let clockPLLGyroX = MPU6050PowerManagement(rawValue: 0b001)
}

/// Gyroscope full scale, `FS_SEL` (§4.4; product specification §6.1).
public enum MPU6050GyroRange: UInt8, Sendable, CaseIterable {
    case dps250 = 0, dps500, dps1000, dps2000

    /// Full scale, °/s.
    public var degreesPerSecond: Double { [250, 500, 1000, 2000][Int(rawValue)] }
    /// Sensitivity, LSB per °/s: 131, 65.5, 32.8, 16.4.
    public var lsbPerDegreePerSecond: Double { [131, 65.5, 32.8, 16.4][Int(rawValue)] }
}

/// Accelerometer full scale, `AFS_SEL` (§4.5; product specification §6.2).
public enum MPU6050AccelRange: UInt8, Sendable, CaseIterable {
    case g2 = 0, g4, g8, g16

    /// Full scale, g.
    public var g: Double { [2, 4, 8, 16][Int(rawValue)] }
    /// Sensitivity, LSB per g: 16384, 8192, 4096, 2048.
    public var lsbPerG: Double { [16384, 8192, 4096, 2048][Int(rawValue)] }
}

/// Digital low-pass filter, `DLPF_CFG` (§4.3): accelerometer/gyroscope bandwidth.
public enum MPU6050LowPassFilter: UInt8, Sendable, CaseIterable {
    case hz260 = 0, hz184, hz94, hz44, hz21, hz10, hz5
}

/// MPU-6050 constants.
public enum MPU6050Constant {
    /// `WHO_AM_I` of the MPU-6050 (AD0 does not change it).
    public static let whoAmI: UInt8 = 0x68
    /// Length of the ACCEL_XOUT_H … GYRO_ZOUT_L block.
    public static let dataBlockLength = 14
    /// Standard gravity, m/s² (the g the accelerometer is scaled in).
    public static let standardGravity = 9.80665
}
