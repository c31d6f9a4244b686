/// The raw 16-bit values of the 14-byte data block.
public struct MPU6050RawSample: Sendable, Equatable {
    public var accel: (x: Int16, y: Int16, z: Int16)
    public var temperature: Int16
    public var gyro: (x: Int16, y: Int16, z: Int16)

    public init(accel: (x: Int16, y: Int16, z: Int16), temperature: Int16, gyro: (x: Int16, y: Int16, z: Int16)) {
        self.accel = accel
        self.temperature = temperature
        self.gyro = gyro
    }

    /// Decodes ACCEL_XOUT_H … GYRO_ZOUT_L (big-endian signed pairs, §4.17–4.19).
    /// - Returns: `nil` unless `bytes` holds exactly 14 bytes.
    public init?(block bytes: [UInt8]) {
        guard bytes.count == MPU6050Constant.dataBlockLength else { return nil }
        func word(_ index: Int) -> Int16 { Int16(bitPattern: UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])) }
        accel = (word(0), word(2), word(4))
        temperature = word(6)
        gyro = (word(8), word(10), word(12))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.accel == rhs.accel && lhs.temperature == rhs.temperature && lhs.gyro == rhs.gyro
    }
}

/// MPU-6050 scaling (product specification §6.1–6.2; register map §4.18).
public enum MPU6050Conversion {
    /// Angular rate, rad/s: raw / (LSB per °/s) × π/180.
    public static func radiansPerSecond(_ raw: Int16, range: MPU6050GyroRange) -> Double {
        Double(raw) / range.lsbPerDegreePerSecond * .pi / 180
    }

    /// Acceleration, m/s²: raw / (LSB per g) × 9.80665.
    public static func metresPerSecondSquared(_ raw: Int16, range: MPU6050AccelRange) -> Double {
        Double(raw) / range.lsbPerG * MPU6050Constant.standardGravity
    }

    /// Die temperature, °C: raw / 340 + 36.53 (register map §4.18).
    public static func celsius(_ raw: Int16) -> Double {
        Double(raw) / 340 + 36.53
    }
}
