import Drivers
import HAL
import SimHardware
import Testing

@Suite struct ADS1115ConversionTests {
    @Test func codesToVoltsAcrossThePGATable() {
        // LSB = FSR / 2^15 (SBAS444 table 3).
        #expect(ADS1115Conversion.volts(code: 0x7FFF, gain: .fullScale2_048V) == 2.0479375) // 32767 × 62.5 µV
        #expect(ADS1115Conversion.volts(code: Int16(bitPattern: 0x8000), gain: .fullScale2_048V) == -2.048)
        #expect(ADS1115Conversion.volts(code: 1, gain: .fullScale6_144V) == 187.5e-6)
        #expect(ADS1115Conversion.volts(code: -1, gain: .fullScale4_096V) == -125e-6)
        #expect(ADS1115Conversion.volts(code: 0x4000, gain: .fullScale1_024V) == 0.512)
        #expect(ADS1115Conversion.volts(code: 0x4000, gain: .fullScale0_512V) == 0.256)
        #expect(ADS1115Conversion.volts(code: 0x0500, gain: .fullScale0_256V) == 0.010) // 1280 × 7.8125 µV
        #expect(ADS1115Conversion.code(msb: 0xFF, lsb: 0xFE) == -2)
        #expect(ADS1115Gain(field: 0b111) == .fullScale0_256V)
    }

    @Test func configRegisterLayout() {
        // AIN0−AIN1, ±0.256 V, single-shot, 128 SPS, comparator off:
        // 0 000 101 1 100 0 0 0 11 = 0x0B83.
        #expect(ADS1115Config(multiplexer: .ain0MinusAin1, gain: .fullScale0_256V, dataRate: .sps128).rawValue == 0x0B83)
        // AIN3 single-ended, ±6.144 V, 860 SPS: 0 111 000 1 111 00011 = 0x71E3.
        #expect(ADS1115Config(multiplexer: .ain3, gain: .fullScale6_144V, dataRate: .sps860).rawValue == 0x71E3)
        // 1/128 s + 10 % + 100 µs wake-up = 8693 µs.
        #expect(ADS1115DataRate.sps128.maximumConversionTime == .microseconds(8693))
    }

    @Test func oxygenFromCellMillivolts() throws {
        // 10.0 mV at the default calibration (10 mV ↔ 21.2 kPa) is 21.2 kPa; at 101325 Pa that is
        // 21200 / 101325 = 20.9228 %. 15 mV → 31.8 kPa; at 70 kPa cabin pressure, 45.43 %.
        let cell = GalvanicO2Calibration()
        let air = try ADS1115O2Sensor<ScriptedI2CBus>.measurement(code: 1280, gain: .fullScale0_256V, cell: cell, cabinPressurePa: 101_325)
        #expect(air.cellMillivolts == 10.0)
        #expect(abs(air.ppO2kPa - 21.2) < 1e-12)
        #expect(abs(air.o2Percent - 20.922773254379472) < 1e-9)
        let rich = try ADS1115O2Sensor<ScriptedI2CBus>.measurement(code: 1920, gain: .fullScale0_256V, cell: cell, cabinPressurePa: 70_000)
        #expect(abs(rich.ppO2kPa - 31.8) < 1e-12)
        #expect(abs(rich.o2Percent - 45.428571428571) < 1e-9)
    }

    @Test func disconnectedOrSaturatedCellsAreDataErrors() {
        let cell = GalvanicO2Calibration()
        #expect(throws: ADS1115Error.cellVoltageNegative(millivolts: -0.0078125)) {
            _ = try ADS1115O2Sensor<ScriptedI2CBus>.measurement(code: -1, gain: .fullScale0_256V, cell: cell, cabinPressurePa: 101_325)
        }
        #expect { _ = try ADS1115O2Sensor<ScriptedI2CBus>.measurement(code: .max, gain: .fullScale0_256V, cell: cell, cabinPressurePa: 101_325) } throws: { error in
            guard case ADS1115Error.cellVoltageOverRange(let mv) = error else { return false }
            return abs(mv - 255.9921875) < 1e-9 // 32767 × 7.8125 µV
        }
        #expect(ADS1115Error.cellVoltageNegative(millivolts: -1).category == .data)
        #expect(ADS1115Error.cellVoltageOverRange(millivolts: 300).category == .data)
        #expect(throws: ADS1115Error.invalidCabinPressure(0)) {
            _ = try ADS1115O2Sensor<ScriptedI2CBus>.measurement(code: 1280, gain: .fullScale0_256V, cell: cell, cabinPressurePa: 0)
        }
    }
}

@Suite struct ADS1115ScriptTests {
    @Test func startAndOneSingleShotConversionFollowTheDatasheet() throws {
        let bus = ScriptedI2CBus([
            // start: write config 0x0B83 (OS = 0, so nothing converts) MSB first, read it back (OS reads 1).
            .writeWord(0x48, register: 0x01, wire: [0x0B, 0x83]),
            .readWord(0x48, register: 0x01, wire: [0x8B, 0x83]),
            // sample: OS = 1 starts the conversion; OS reads 1 → done; conversion 0x0500 = 1280.
            .writeWord(0x48, register: 0x01, wire: [0x8B, 0x83]),
            .readWord(0x48, register: 0x01, wire: [0x8B, 0x83]),
            .readWord(0x48, register: 0x00, wire: [0x05, 0x00]),
        ])
        let clock = SimClock()
        let sensor = ADS1115O2Sensor(name: "cabin-o2", bus: bus, clock: clock)
        #expect(try sensor.start() == "ads1115 config 0x8b83")
        let readings = try sensor.readSample()
        bus.finish()
        #expect(readings.map(\.key) == ["cell_mv", "ppo2_kpa", "o2_pct"])
        #expect(readings[0].value == 10.0)
        #expect(abs(readings[1].value - 21.2) < 1e-12)
        #expect(abs(readings[2].value - 20.922773254379472) < 1e-9)
        #expect(clock.now == MonotonicInstant(nanoseconds: 8_693_000)) // the 128 SPS conversion wait, once
    }

    @Test func aConfigThatDoesNotReadBackIsAnIdentityError() {
        let bus = ScriptedI2CBus([
            .writeWord(0x48, register: 0x01, wire: [0x0B, 0x83]),
            .readWord(0x48, register: 0x01, wire: [0x85, 0x83]), // the power-on value: not our write
        ])
        let sensor = ADS1115O2Sensor(name: "cabin-o2", bus: bus, clock: SimClock())
        #expect { _ = try sensor.start() } throws: { error in
            let device = error as? DeviceError
            return device?.category == .identity && (device?.underlying as? ADS1115Error) == .configReadback(wrote: 0x0B83, read: 0x8583)
        }
        bus.finish()
    }

    @Test func invalidCalibrationIsAConfigurationError() {
        var configuration = ADS1115O2Sensor<ScriptedI2CBus>.Configuration()
        configuration.cell = GalvanicO2Calibration(calibrationMillivolts: 0, calibrationPPO2kPa: 21.2)
        let bus = ScriptedI2CBus([])
        let sensor = ADS1115O2Sensor(name: "cabin-o2", bus: bus, configuration: configuration, clock: SimClock())
        #expect { _ = try sensor.start() } throws: { ($0 as? DeviceError)?.category == .configuration }
        bus.finish()
    }
}

@Suite struct ADS1115SimulationTests {
    private func rig(faults: FaultInjector? = nil, clock: SimClock = SimClock()) -> (ADS1115Model, ADS1115O2Sensor<SimI2CBus>) {
        let bus = SimI2CBus(faults: faults)
        let model = ADS1115Model()
        bus.attach(model, at: I2CAddress(0x48), deviceName: "cabin-o2")
        return (model, ADS1115O2Sensor(name: "cabin-o2", bus: bus, clock: clock))
    }

    @Test func sweepsPartialPressureThroughTheModel() throws {
        let (model, sensor) = rig()
        _ = try sensor.start()
        // One code at ±0.256 V is 7.8125 µV = 0.0078125 mV of cell output, i.e. 0.0165625 kPa of
        // ppO2 at 10 mV ↔ 21.2 kPa; the model rounds to the nearest code, so the error is at most
        // half of that, 0.00828 kPa. The range stops below the 101.325 kPa cabin pressure: a
        // higher ppO2 is an O2 fraction above 100 %, which the driver rejects.
        try sweep(
            "ads1115.ppo2_kpa", over: 0...100, steps: 30, epsilon: 0.0083,
            set: { model.set(ppO2kPa: $0) },
            read: { try sensor.measure().ppO2kPa })
        // O2 fraction at a fixed 21.2 kPa ppO2 while the cabin pressure fed in goes 50…110 kPa:
        // the same half code, 0.00828 kPa, is at most 0.0166 % of O2 at 50 kPa.
        model.set(ppO2kPa: 21.2)
        try sweep(
            "ads1115.o2_pct", over: 19.3...42.4, steps: 10, epsilon: 0.017,
            set: { sensor.cabinPressurePa = 21_200 / ($0 / 100) },
            read: { try sensor.measure().o2Percent })
    }

    @Test func aNegativeCellIsADataError() throws {
        let (model, sensor) = rig()
        _ = try sensor.start()
        model.set(cellMillivolts: -2)
        #expect { _ = try sensor.readSample() } throws: { error in
            let device = error as? DeviceError
            guard device?.category == .data, case .cellVoltageNegative? = device?.underlying as? ADS1115Error else { return false }
            return true
        }
        model.set(cellMillivolts: 400) // beyond ±0.256 V: the ADC saturates at 0x7FFF
        #expect { _ = try sensor.readSample() } throws: { ($0 as? DeviceError)?.category == .data }
    }

    @Test func aConversionThatNeverEndsIsNotReady() throws {
        let clock = SimClock()
        let (model, sensor) = rig(clock: clock)
        _ = try sensor.start()
        model.set(ppO2kPa: 21)
        model.busyConfigReads = 2 // done on the third poll: still fine
        #expect(abs(try sensor.measure().ppO2kPa - 21) < 0.0083)
        model.busyConfigReads = 50
        #expect { _ = try sensor.readSample() } throws: { error in
            (error as? DeviceError)?.category == .notReady && ((error as? DeviceError)?.underlying as? ADS1115Error) == .notReady(polls: 5)
        }
    }

    @Test(arguments: [InjectedFault.noAcknowledge, .timeout, .disconnect])
    func busFaultsAreBusErrors(fault: InjectedFault) throws {
        let clock = SimClock()
        let faults = FaultInjector(clock: clock)
        let (model, sensor) = rig(faults: faults, clock: clock)
        _ = try sensor.start()
        model.set(ppO2kPa: 21)
        faults.inject(fault, device: "cabin-o2", extent: .count(1))
        #expect { _ = try sensor.readSample() } throws: { error in
            let device = error as? DeviceError
            guard device?.category == .bus, case .bus(let i2c)? = device?.underlying as? ADS1115Error else { return false }
            return fault == .timeout ? i2c.kind == .timeout : i2c.kind == .noAcknowledge(.address)
        }
        #expect(abs(try sensor.measure().ppO2kPa - 21) < 0.0083) // recovers once the fault is spent
    }
}
