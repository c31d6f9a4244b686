/// The BME280's factory trimming parameters (§4.2.2, table 16).
public struct BME280Calibration: Sendable, Equatable {
    public var t1: UInt16, t2: Int16, t3: Int16
    public var p1: UInt16, p2: Int16, p3: Int16, p4: Int16, p5: Int16, p6: Int16, p7: Int16, p8: Int16, p9: Int16
    public var h1: UInt8, h2: Int16, h3: UInt8, h4: Int16, h5: Int16, h6: Int8

    public init(
        t1: UInt16, t2: Int16, t3: Int16,
        p1: UInt16, p2: Int16, p3: Int16, p4: Int16, p5: Int16, p6: Int16, p7: Int16, p8: Int16, p9: Int16,
        h1: UInt8 = 0, h2: Int16 = 0, h3: UInt8 = 0, h4: Int16 = 0, h5: Int16 = 0, h6: Int8 = 0
    ) {
        (self.t1, self.t2, self.t3) = (t1, t2, t3)
        (self.p1, self.p2, self.p3, self.p4, self.p5, self.p6, self.p7, self.p8, self.p9) = (p1, p2, p3, p4, p5, p6, p7, p8, p9)
        (self.h1, self.h2, self.h3, self.h4, self.h5, self.h6) = (h1, h2, h3, h4, h5, h6)
    }

    /// Decodes the two calibration blocks: 26 bytes from 0x88 and 7 bytes from 0xE1.
    ///
    /// Words are little-endian (`[7:0]` at the lower address). dig_H4 and dig_H5 are 12-bit
    /// signed values sharing register 0xE5: dig_H4 = 0xE4[7:0] << 4 | 0xE5[3:0] and
    /// dig_H5 = 0xE6[7:0] << 4 | 0xE5[7:4], both sign-extended from the MSB register.
    /// - Returns: `nil` if a block has the wrong length.
    public init?(block1: [UInt8], block2: [UInt8]) {
        guard block1.count == BME280Constant.calibrationBlock1Length,
            block2.count == BME280Constant.calibrationBlock2Length
        else { return nil }
        func u16(_ index: Int) -> UInt16 { UInt16(block1[index]) | UInt16(block1[index + 1]) << 8 }
        func s16(_ index: Int) -> Int16 { Int16(bitPattern: u16(index)) }
        t1 = u16(0); t2 = s16(2); t3 = s16(4)
        p1 = u16(6); p2 = s16(8); p3 = s16(10); p4 = s16(12); p5 = s16(14)
        p6 = s16(16); p7 = s16(18); p8 = s16(20); p9 = s16(22)
        h1 = block1[25] // 0xA1
        h2 = Int16(bitPattern: UInt16(block2[0]) | UInt16(block2[1]) << 8) // 0xE1/0xE2
        h3 = block2[2] // 0xE3
        // 0xE4/0xE5/0xE6: the MSB register is signed, so widen through Int8 before shifting.
        h4 = Int16(Int8(bitPattern: block2[3])) << 4 | Int16(block2[4] & 0x0F)
        h5 = Int16(Int8(bitPattern: block2[5])) << 4 | Int16(block2[4] >> 4)
        h6 = Int8(bitPattern: block2[6]) // 0xE7
    }

    /// The two register blocks that encode these parameters (the inverse of ``init(block1:block2:)``),
    /// for device models and tests.
    public var registerBlocks: (block1: [UInt8], block2: [UInt8]) {
        func le(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
        var one: [UInt8] = []
        one += le(t1) + le(UInt16(bitPattern: t2)) + le(UInt16(bitPattern: t3))
        for word in [
            p1, UInt16(bitPattern: p2), UInt16(bitPattern: p3), UInt16(bitPattern: p4), UInt16(bitPattern: p5),
            UInt16(bitPattern: p6), UInt16(bitPattern: p7), UInt16(bitPattern: p8), UInt16(bitPattern: p9),
        ] {
            one += le(word)
        }
        one += [0x00, h1] // 0xA0 reserved, 0xA1 dig_H1
        let h4Bits = UInt16(bitPattern: h4), h5Bits = UInt16(bitPattern: h5)
        let two: [UInt8] =
            le(UInt16(bitPattern: h2)) + [
                h3,
                UInt8(truncatingIfNeeded: h4Bits >> 4),
                UInt8(h5Bits & 0x0F) << 4 | UInt8(h4Bits & 0x0F),
                UInt8(truncatingIfNeeded: h5Bits >> 4),
                UInt8(bitPattern: h6),
            ]
        return (one, two)
    }

    /// Whether the parameters can be those of a trimmed device: dig_T1 and dig_P1 are never zero
    /// (blank NVM, an erased i2c-stub or a bus reading all zeros would give zero).
    public var isPlausible: Bool { t1 != 0 && p1 != 0 }
}

/// The raw ADC values of one BME280 measurement, from the burst read of 0xF7…0xFE.
public struct BME280RawSample: Sendable, Equatable {
    /// 20-bit pressure result (`press_msb`, `press_lsb`, `press_xlsb[7:4]`).
    public var pressure: Int32
    /// 20-bit temperature result.
    public var temperature: Int32
    /// 16-bit humidity result.
    public var humidity: Int32

    public init(pressure: Int32, temperature: Int32, humidity: Int32) {
        self.pressure = pressure
        self.temperature = temperature
        self.humidity = humidity
    }

    /// Decodes the 8-byte data block (§4, table 18: MSB first, xlsb in bits 7:4).
    /// - Returns: `nil` if `bytes` is not 8 bytes long.
    public init?(dataBlock bytes: [UInt8]) {
        guard bytes.count == BME280Constant.dataBlockLength else { return nil }
        pressure = Int32(bytes[0]) << 12 | Int32(bytes[1]) << 4 | Int32(bytes[2] >> 4)
        temperature = Int32(bytes[3]) << 12 | Int32(bytes[4]) << 4 | Int32(bytes[5] >> 4)
        humidity = Int32(bytes[6]) << 8 | Int32(bytes[7])
    }
}

/// The Bosch compensation formulas (§4.2.3), integer versions: 32-bit for temperature and
/// humidity, 64-bit for pressure (the datasheet's recommended accuracy).
///
/// The arithmetic wraps exactly as the reference C does instead of trapping, so a garbage
/// calibration or sample from the bus can never crash the process; implausible results are
/// caught by the caller's range checks.
public enum BME280Compensation {
    /// Fine temperature `t_fine` (carried into pressure and humidity) for `adcT`.
    public static func fineTemperature(adcT: Int32, _ c: BME280Calibration) -> Int32 {
        let adc = Int64(adcT), t1 = Int64(c.t1), t2 = Int64(c.t2), t3 = Int64(c.t3)
        let var1 = (((adc >> 3) - (t1 << 1)) &* t2) >> 11
        let delta = (adc >> 4) - t1
        let var2 = ((((delta &* delta) >> 12) &* t3) >> 14)
        return Int32(truncatingIfNeeded: var1 &+ var2)
    }

    /// Temperature in hundredths of a degree Celsius (`5123` is 51.23 °C) from `t_fine`.
    public static func temperatureCentiCelsius(fineTemperature tFine: Int32) -> Int32 {
        (tFine &* 5 &+ 128) >> 8
    }

    /// Pressure in pascal as Q24.8 (`24674867` is 96386.2 Pa), or `nil` where the reference
    /// returns 0 to avoid a division by zero (a broken calibration).
    public static func pressureQ24_8(adcP: Int32, fineTemperature tFine: Int32, _ c: BME280Calibration) -> UInt32? {
        var var1 = Int64(tFine) - 128_000
        var var2 = var1 &* var1 &* Int64(c.p6)
        var2 = var2 &+ ((var1 &* Int64(c.p5)) &<< 17)
        var2 = var2 &+ (Int64(c.p4) &<< 35)
        var1 = ((var1 &* var1 &* Int64(c.p3)) >> 8) &+ ((var1 &* Int64(c.p2)) &<< 12)
        var1 = (((Int64(1) << 47) &+ var1) &* Int64(c.p1)) >> 33
        guard var1 != 0 else { return nil }
        var p = 1_048_576 - Int64(adcP)
        let (quotient, overflow) = (((p &<< 31) &- var2) &* 3125).dividedReportingOverflow(by: var1)
        guard !overflow else { return nil }
        p = quotient
        var1 = (Int64(c.p9) &* (p >> 13) &* (p >> 13)) >> 25
        var2 = (Int64(c.p8) &* p) >> 19
        p = ((p &+ var1 &+ var2) >> 8) &+ (Int64(c.p7) &<< 4)
        return UInt32(truncatingIfNeeded: p)
    }

    /// Relative humidity in %RH as Q22.10 (`47445` is 46.333 %RH), *before* the datasheet's
    /// clamp to 0…100 %RH, so that the caller can report an out-of-range value instead of
    /// clamping it silently. In range, the value is 0…102400.
    public static func humidityQ22_10Unclamped(adcH: Int32, fineTemperature tFine: Int32, _ c: BME280Calibration) -> Int64 {
        let h1 = Int64(c.h1), h2 = Int64(c.h2), h3 = Int64(c.h3), h4 = Int64(c.h4), h5 = Int64(c.h5), h6 = Int64(c.h6)
        var x = Int64(tFine) - 76_800
        let offset = (((Int64(adcH) &<< 14) &- (h4 &<< 20) &- (h5 &* x)) &+ 16_384) >> 15
        let scale = (((((((x &* h6) >> 10) &* (((x &* h3) >> 11) &+ 32_768)) >> 10) &+ 2_097_152) &* h2) &+ 8_192) >> 14
        x = offset &* scale
        x = x &- (((((x >> 15) &* (x >> 15)) >> 7) &* h1) >> 4)
        // The reference clamps x to 0…419430400 here; the caller checks that range instead.
        return x >> 12
    }
}
