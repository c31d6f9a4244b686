import HAL
import SimHardware
import Testing

/// The I2C device models, checked at register level over `SimI2CBus` against the datasheets,
/// without the drivers.
@Suite struct I2CDeviceModelTests {
    @Test func ina226ComputesCurrentAndPowerAsTheDatasheetExample() throws {
        // SBOS547 table 1: 10 A through 2 mΩ, 11.98 V bus, CAL 0x0A00 → shunt 1F40h, bus 2570h,
        // current 2710h, power 12B8h.
        let bus = SimI2CBus()
        let model = INA226Model(shuntOhms: 0.002)
        let address = I2CAddress(0x40)
        bus.attach(model, at: address, deviceName: "ina")
        model.set(busVoltageV: 11.98, currentA: 10)
        #expect(try bus.readBigEndianWord(address, register: 0x04) == 0) // no CAL yet: current stays 0
        try bus.writeBigEndianWord(address, register: 0x05, value: 0x0A00)
        #expect(try bus.readBigEndianWord(address, register: 0x01) == 0x1F40)
        #expect(try bus.readBigEndianWord(address, register: 0x02) == 0x2570)
        #expect(try bus.readBigEndianWord(address, register: 0x04) == 0x2710)
        #expect(try bus.readBigEndianWord(address, register: 0x03) == 0x12B8)
        #expect(try bus.readBigEndianWord(address, register: 0xFE) == 0x5449)
        #expect(try bus.readBigEndianWord(address, register: 0xFF) == 0x2260)
        // Reverse current: the shunt and current registers go negative, power stays positive.
        model.set(busVoltageV: 11.98, currentA: -10)
        #expect(try bus.readBigEndianWord(address, register: 0x04) == 0xD8F0)
        #expect(try bus.readBigEndianWord(address, register: 0x03) == 0x12B8)
        // Configuration bit 15 resets every register, CAL included.
        try bus.writeBigEndianWord(address, register: 0x00, value: 0x8000)
        #expect(try bus.readBigEndianWord(address, register: 0x00) == 0x4127)
        #expect(try bus.readBigEndianWord(address, register: 0x05) == 0)
    }

    @Test func ads1115SingleShotSetsOSWhenDone() throws {
        let bus = SimI2CBus()
        let model = ADS1115Model()
        let address = I2CAddress(0x48)
        bus.attach(model, at: address, deviceName: "adc")
        #expect(try bus.readBigEndianWord(address, register: 0x01) == 0x8583) // power-on config
        model.set(ppO2kPa: 21.2) // 10 mV on AIN0−AIN1
        model.busyConfigReads = 1
        try bus.writeBigEndianWord(address, register: 0x01, value: 0x8B83) // OS=1, ±0.256 V, single-shot
        #expect(try bus.readBigEndianWord(address, register: 0x01) == 0x0B83) // converting
        #expect(try bus.readBigEndianWord(address, register: 0x01) == 0x8B83) // done
        #expect(try bus.readBigEndianWord(address, register: 0x00) == 0x0500) // 10 mV / 7.8125 µV = 1280
        #expect(model.conversions == 1)
        // Single-ended AIN2 at ±4.096 V: 1.5 V / 125 µV = 12000 = 0x2EE0; above FSR saturates.
        model.setInput(2, volts: 1.5)
        try bus.writeBigEndianWord(address, register: 0x01, value: 0xE383)
        #expect(try bus.readBigEndianWord(address, register: 0x00) == 0x2EE0)
        model.setInput(2, volts: 5)
        try bus.writeBigEndianWord(address, register: 0x01, value: 0xE383)
        #expect(try bus.readBigEndianWord(address, register: 0x00) == 0x7FFF)
    }

    @Test func bme280ForcedModeMeasuresOnceAndSleeps() throws {
        let bus = SimI2CBus()
        let model = BME280Model()
        let address = I2CAddress(0x76)
        bus.attach(model, at: address, deviceName: "env")
        #expect(try bus.readByteData(address, register: 0xD0) == 0x60)
        // Reset values of the data block: 0x80000 / 0x8000 ("skipped").
        #expect(try bus.readBlockData(address, register: 0xF7, count: 8) == [0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00])
        // dig_T1 = 27504 = 0x6B70 little-endian at 0x88; dig_H4/H5 packed in 0xE4…0xE6.
        #expect(try bus.readBlockData(address, register: 0x88, count: 2) == [0x70, 0x6B])
        #expect(try bus.readBlockData(address, register: 0xE4, count: 3) == [0x13, 0x29, 0x03])
        model.setRaw(adcT: 519_888, adcP: 415_148, adcH: 27_000)
        try bus.writeByteData(address, register: 0xF2, value: 0x01)
        try bus.writeByteData(address, register: 0xF4, value: 0x25) // ×1, ×1, forced
        #expect(try bus.readByteData(address, register: 0xF4) == 0x24) // back to sleep
        #expect(try bus.readBlockData(address, register: 0xF7, count: 8) == [0x65, 0x5A, 0xC0, 0x7E, 0xED, 0x00, 0x69, 0x78])
        // ctrl_hum only takes effect at the next ctrl_meas write: skipping humidity shows 0x8000 then.
        try bus.writeByteData(address, register: 0xF2, value: 0x00)
        #expect(try bus.readBlockData(address, register: 0xFD, count: 2) == [0x69, 0x78])
        try bus.writeByteData(address, register: 0xF4, value: 0x25)
        #expect(try bus.readBlockData(address, register: 0xFD, count: 2) == [0x80, 0x00])
        // Soft reset: control registers cleared, data back to the reset values, calibration kept.
        try bus.writeByteData(address, register: 0xE0, value: 0xB6)
        #expect(try bus.readByteData(address, register: 0xF2) == 0)
        #expect(try bus.readBlockData(address, register: 0xF7, count: 3) == [0x80, 0x00, 0x00])
        #expect(try bus.readBlockData(address, register: 0x88, count: 2) == [0x70, 0x6B])
        #expect(model.forcedMeasurements == 2)
    }

    @Test func mpu6050EncodesAtTheSelectedRangeOnlyWhenAwake() throws {
        let bus = SimI2CBus()
        let model = MPU6050Model()
        let address = I2CAddress(0x68)
        bus.attach(model, at: address, deviceName: "imu")
        #expect(try bus.readByteData(address, register: 0x75) == 0x68)
        #expect(try bus.readByteData(address, register: 0x6B) == 0x40) // asleep at power-on
        let oneDegree = Double.pi / 180
        model.set(rateRadS: (oneDegree, 0, 0), accelMS2: (0, 0, 9.80665), temperatureC: 36.53)
        #expect(try bus.readBlockData(address, register: 0x3B, count: 14) == Array(repeating: 0, count: 14))
        try bus.writeByteData(address, register: 0x6B, value: 0x01)
        // ±2 g: 1 g = 16384 = 0x4000 on z; ±250 °/s: 1 °/s = 131 = 0x0083 on x; 36.53 °C = 0.
        #expect(
            try bus.readBlockData(address, register: 0x3B, count: 14)
                == [0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x83, 0x00, 0x00, 0x00, 0x00])
        // ±16 g and ±2000 °/s: 1 g = 2048 = 0x0800; 10 °/s = 164 = 0x00A4.
        try bus.writeByteData(address, register: 0x1B, value: 0x18)
        try bus.writeByteData(address, register: 0x1C, value: 0x18)
        model.set(rateRadS: (10 * oneDegree, 0, 0), accelMS2: (0, 0, 9.80665), temperatureC: 36.53)
        #expect(try bus.readBlockData(address, register: 0x43, count: 2) == [0x00, 0xA4])
        #expect(try bus.readBlockData(address, register: 0x3F, count: 2) == [0x08, 0x00])
    }
}
