import HAL

/// A Bosch BME280 at register level (BST-BME280-DS002): chip ID 0x60, factory calibration in
/// 0x88…0xA1 / 0xE1…0xE7 (with the dig_H4/dig_H5 nibble packing), soft reset, `ctrl_hum`
/// latched by the next `ctrl_meas` write, forced mode (one measurement, then back to sleep)
/// and normal mode, and the 0x80000/0x8000 "skipped" values for disabled channels.
///
/// The backend takes physical values and encodes them with the *inverse* of the datasheet's
/// double-precision compensation (§8.1): a bisection on the raw ADC value, so that compensating
/// the registers gives the values back to within the ADC's resolution. The drivers use the
/// integer compensation (§4.2.3), so a sweep also cross-checks the two datasheet versions.
public final class BME280Model: I2CDeviceModel, @unchecked Sendable {
    /// Trimming parameters (datasheet §4.2.2, table 16).
    public struct Calibration: Sendable, Equatable {
        public var t1: UInt16, t2: Int16, t3: Int16
        public var p1: UInt16, p2: Int16, p3: Int16, p4: Int16, p5: Int16, p6: Int16, p7: Int16, p8: Int16, p9: Int16
        public var h1: UInt8, h2: Int16, h3: UInt8, h4: Int16, h5: Int16, h6: Int8

        /// Temperature and pressure parameters of the Bosch worked example (BMP280 datasheet
        /// §3.12, which uses the same formulas) with humidity parameters of a production part.
        public static let typical = Calibration(
            t1: 27504, t2: 26435, t3: -1000,
            p1: 36477, p2: -10685, p3: 3024, p4: 2855, p5: 140, p6: -7, p7: 15500, p8: -14600, p9: 6000,
            h1: 75, h2: 362, h3: 0, h4: 313, h5: 50, h6: 30)
    }

    public let calibration: Calibration
    private let registers = ByteRegisterFile()
    private let lock = LockedValue(())
    private var adcT: Int32 = 0x80000
    private var adcP: Int32 = 0x80000
    private var adcH: Int32 = 0x8000
    private var latchedHumidityOversampling: UInt8 = 0
    private var busyReadsLeft = 0

    /// Reads of `status` that report `measuring` after each forced-mode trigger (default 0: the
    /// measurement is complete when first polled). Set above a driver's poll limit to test `notReady`.
    public var busyStatusReads = 0
    /// Forced-mode measurements taken so far.
    public private(set) var forcedMeasurements = 0

    public init(calibration: Calibration = .typical, chipID: UInt8 = 0x60) {
        self.calibration = calibration
        registers[0xD0] = chipID
        writeCalibration()
        resetControlAndData()
        registers.readOnly = Set(0x88...0xA1).union(0xD0...0xD0).union(0xE1...0xF0).union([0xF3]).union(0xF7...0xFE)
        registers.onWrite = { [unowned self] register, value in self.registerWritten(register, value) }
        registers.onRead = { [unowned self] register in self.registerRead(register) }
    }

    // MARK: Wire

    public func receive(_ bytes: [UInt8]) {
        lock.withLock { _ in registers.receive(bytes) }
    }

    public func transmit(count: Int) -> [UInt8] {
        lock.withLock { _ in registers.transmit(count: count) }
    }

    // MARK: Backend

    /// Sets the conditions the next measurement sees, encoded through the inverse compensation.
    /// - Parameters: temperature °C (−40…85), pressure Pa (30000…110000), humidity %RH (0…100).
    public func set(temperatureC: Double, pressurePa: Double, humidityPct: Double) {
        let c = calibration
        let t = Self.invert(over: 0...0xFFFFF, target: temperatureC) { Self.temperature(adcT: $0, c).celsius }
        let tFine = Self.temperature(adcT: t, c).fine
        let p = Self.invert(over: 0...0xFFFFF, target: pressurePa) { Self.pressure(adcP: $0, fine: tFine, c) }
        let h = Self.invert(over: 0...0xFFFF, target: humidityPct) { Self.humidity(adcH: $0, fine: tFine, c) }
        setRaw(adcT: t, adcP: p, adcH: h)
    }

    /// Sets raw ADC values directly (for garbage and edge cases: 0x80000, out of range).
    public func setRaw(adcT: Int32, adcP: Int32, adcH: Int32) {
        lock.withLock { _ in
            self.adcT = adcT
            self.adcP = adcP
            self.adcH = adcH
            if registers[0xF4] & 0b11 == 0b11 { measure() } // normal mode: results follow
        }
    }

    // MARK: Datasheet double-precision compensation (§8.1), for the inverse

    static func temperature(adcT: Int32, _ c: Calibration) -> (celsius: Double, fine: Double) {
        let adc = Double(adcT)
        let var1 = (adc / 16384 - Double(c.t1) / 1024) * Double(c.t2)
        let d = adc / 131072 - Double(c.t1) / 8192
        let var2 = d * d * Double(c.t3)
        return ((var1 + var2) / 5120, (var1 + var2).rounded(.towardZero))
    }

    static func pressure(adcP: Int32, fine: Double, _ c: Calibration) -> Double {
        var var1 = fine / 2 - 64000
        var var2 = var1 * var1 * Double(c.p6) / 32768
        var2 += var1 * Double(c.p5) * 2
        var2 = var2 / 4 + Double(c.p4) * 65536
        var1 = (Double(c.p3) * var1 * var1 / 524288 + Double(c.p2) * var1) / 524288
        var1 = (1 + var1 / 32768) * Double(c.p1)
        guard var1 != 0 else { return 0 }
        var p = 1_048_576 - Double(adcP)
        p = (p - var2 / 4096) * 6250 / var1
        var1 = Double(c.p9) * p * p / 2_147_483_648
        var2 = p * Double(c.p8) / 32768
        return p + (var1 + var2 + Double(c.p7)) / 16
    }

    /// Humidity without the datasheet's final clamp (the inverse needs a monotonic function).
    static func humidity(adcH: Int32, fine: Double, _ c: Calibration) -> Double {
        var h = fine - 76800
        h =
            (Double(adcH) - (Double(c.h4) * 64 + Double(c.h5) / 16384 * h))
            * (Double(c.h2) / 65536 * (1 + Double(c.h6) / 67_108_864 * h * (1 + Double(c.h3) / 67_108_864 * h)))
        return h * (1 - Double(c.h1) * h / 524_288)
    }

    /// The integer in `range` whose `f` is nearest `target`, for a monotonic `f` (bisection).
    static func invert(over range: ClosedRange<Int32>, target: Double, _ f: (Int32) -> Double) -> Int32 {
        let increasing = f(range.upperBound) >= f(range.lowerBound)
        var low = range.lowerBound, high = range.upperBound
        // Invariant: the first code whose value reaches the target (in the direction of growth) is in low...high.
        while low < high {
            let mid = low + (high - low) / 2
            if (f(mid) >= target) == increasing { high = mid } else { low = mid + 1 }
        }
        if low > range.lowerBound, abs(f(low - 1) - target) < abs(f(low) - target) { return low - 1 }
        return low
    }

    // MARK: Registers

    private func writeCalibration() {
        let c = calibration
        func put(_ address: Int, _ value: UInt16) {
            registers[UInt8(address)] = UInt8(value & 0xFF)
            registers[UInt8(address + 1)] = UInt8(value >> 8)
        }
        put(0x88, c.t1); put(0x8A, UInt16(bitPattern: c.t2)); put(0x8C, UInt16(bitPattern: c.t3))
        let pressure = [
            c.p1, UInt16(bitPattern: c.p2), UInt16(bitPattern: c.p3), UInt16(bitPattern: c.p4), UInt16(bitPattern: c.p5),
            UInt16(bitPattern: c.p6), UInt16(bitPattern: c.p7), UInt16(bitPattern: c.p8), UInt16(bitPattern: c.p9),
        ]
        for (index, word) in pressure.enumerated() { put(0x8E + 2 * index, word) }
        registers[0xA1] = c.h1
        put(0xE1, UInt16(bitPattern: c.h2))
        registers[0xE3] = c.h3
        // dig_H4 = 0xE4 << 4 | 0xE5[3:0]; dig_H5 = 0xE6 << 4 | 0xE5[7:4] (12-bit signed each).
        let h4 = UInt16(bitPattern: c.h4), h5 = UInt16(bitPattern: c.h5)
        registers[0xE4] = UInt8(truncatingIfNeeded: h4 >> 4)
        registers[0xE5] = UInt8(h5 & 0xF) << 4 | UInt8(h4 & 0xF)
        registers[0xE6] = UInt8(truncatingIfNeeded: h5 >> 4)
        registers[0xE7] = UInt8(bitPattern: c.h6)
    }

    private func resetControlAndData() {
        for register: UInt8 in [0xE0, 0xF2, 0xF3, 0xF4, 0xF5] { registers[register] = 0 }
        // Data registers' reset values: 0x80000 for pressure and temperature, 0x8000 for humidity.
        let reset: [UInt8] = [0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00]
        for (offset, value) in reset.enumerated() { registers[UInt8(0xF7 + offset)] = value }
        latchedHumidityOversampling = 0
        busyReadsLeft = 0
    }

    private func registerWritten(_ register: UInt8, _ value: UInt8) {
        switch register {
        case 0xE0:
            registers[0xE0] = 0
            if value == 0xB6 { resetControlAndData() }
        case 0xF4:
            latchedHumidityOversampling = registers[0xF2] & 0b111
            switch value & 0b11 {
            case 0b01, 0b10:
                measure()
                forcedMeasurements += 1
                busyReadsLeft = busyStatusReads
                registers[0xF4] = value & ~0b11 // back to sleep
            case 0b11:
                measure()
            default:
                break
            }
        default:
            break
        }
    }

    private func registerRead(_ register: UInt8) {
        guard register == 0xF3 else { return }
        registers.registers[0xF3] = busyReadsLeft > 0 ? 0x08 : 0x00
        if busyReadsLeft > 0 { busyReadsLeft -= 1 }
    }

    private func measure() {
        let control = registers[0xF4]
        let t = control >> 5 == 0 ? 0x80000 : adcT & 0xFFFFF
        let p = (control >> 2) & 0b111 == 0 ? 0x80000 : adcP & 0xFFFFF
        let h = latchedHumidityOversampling == 0 ? 0x8000 : adcH & 0xFFFF
        let bytes: [UInt8] = [
            UInt8(p >> 12), UInt8((p >> 4) & 0xFF), UInt8((p & 0xF) << 4),
            UInt8(t >> 12), UInt8((t >> 4) & 0xFF), UInt8((t & 0xF) << 4),
            UInt8(h >> 8), UInt8(h & 0xFF),
        ]
        for (offset, value) in bytes.enumerated() { registers[UInt8(0xF7 + offset)] = value }
    }
}
