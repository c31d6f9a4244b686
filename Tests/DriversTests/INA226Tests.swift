import Drivers
import HAL
import SimHardware
import Testing

@Suite struct INA226ConversionTests {
    @Test func datasheetCalibrationExample() throws {
        // SBOS547 table 1: R_shunt = 2 mΩ, Current_LSB = 1 mA (max current 32.768 A = 2^15 × 1 mA)
        // → CAL = 0.00512 / (0.001 × 0.002) = 2560 = 0x0A00.
        let calibration = try INA226Conversion.calibration(shuntOhms: 0.002, maxCurrentA: 32.768).get()
        #expect(calibration.register == 0x0A00)
        #expect(abs(calibration.currentLSB - 0.001) < 1e-15)
        #expect(abs(calibration.powerLSB - 0.025) < 1e-15)
        // Steps 2–6: shunt 1F40h → 20 mV, bus 2570h → 11.98 V, current 2710h → 10 A, power 12B8h → 119.8 W.
        let m = try INA226<ScriptedI2CBus>.measurement(shunt: 0x1F40, bus: 0x2570, current: 0x2710, power: 0x12B8, currentLSB: 0.001)
        #expect(abs(m.shuntVoltageV - 0.020) < 1e-12)
        #expect(abs(m.busVoltageV - 11.98) < 1e-12)
        #expect(abs(m.currentA - 10.0) < 1e-12)
        #expect(abs(m.powerW - 119.8) < 1e-9)
        // The same load reversed: shunt −8000 = 0xE0C0, current −10000 = 0xD8F0; power stays a magnitude.
        let reverse = try INA226<ScriptedI2CBus>.measurement(shunt: 0xE0C0, bus: 0x2570, current: 0xD8F0, power: 0x12B8, currentLSB: 0.001)
        #expect(abs(reverse.shuntVoltageV + 0.020) < 1e-12)
        #expect(abs(reverse.currentA + 10.0) < 1e-12)
    }

    @Test func unusableConfigurationsAreConfigurationErrors() {
        func check(_ shunt: Double, _ current: Double) -> DeviceFaultCategory? {
            do {
                _ = try INA226<ScriptedI2CBus>.calibration(for: .init(shuntOhms: shunt, maxCurrentA: current))
                return nil
            } catch {
                return error.category
            }
        }
        #expect(check(0, 1) == .configuration) // zero shunt
        #expect(check(0.1, 0) == .configuration) // zero range
        #expect(check(0.0001, 0.01) == .configuration) // CAL = 0.00512 / (3.05e-7 × 1e-4) = 167772 > 0x7FFF
        #expect(check(0.1, 1.0) == .configuration) // 1 A × 0.1 Ω = 100 mV > 81.92 mV shunt range
        #expect(check(0.1, 0.8) == nil)
    }

    @Test func saturatedShuntAndImpossibleBusAreDataErrors() {
        #expect(throws: INA226Error.shuntOverRange(.max)) {
            _ = try INA226<ScriptedI2CBus>.measurement(shunt: 0x7FFF, bus: 0x2570, current: 0, power: 0, currentLSB: 0.001)
        }
        #expect(throws: INA226Error.invalidBusVoltage(0x8000)) {
            _ = try INA226<ScriptedI2CBus>.measurement(shunt: 0, bus: 0x8000, current: 0, power: 0, currentLSB: 0.001)
        }
        #expect(INA226Error.shuntOverRange(0).category == .data)
    }
}

@Suite struct INA226ScriptTests {
    @Test func startAndOneSampleFollowTheDatasheet() throws {
        // Defaults: 0.1 Ω, 0.8 A → Current_LSB = 0.8 / 2^15 = 24.414 µA, CAL = trunc(0.00512 /
        // (24.414e-6 × 0.1)) = trunc(2097.15) = 2097 = 0x0831. Config: reserved 0100, AVG 16 (010),
        // VBUSCT 1.1 ms (100), VSHCT 1.1 ms (100), MODE 111 → 0x4527. Registers go MSB first.
        let bus = ScriptedI2CBus([
            .readWord(0x40, register: 0xFE, wire: [0x54, 0x49]), // manufacturer ID "TI"
            .readWord(0x40, register: 0xFF, wire: [0x22, 0x60]), // die ID
            .writeWord(0x40, register: 0x00, wire: [0x45, 0x27]), // configuration
            .writeWord(0x40, register: 0x05, wire: [0x08, 0x31]), // calibration 2097
            .readWord(0x40, register: 0x05, wire: [0x08, 0x31]),
            // sample: 20 mV shunt (8000 = 0x1F40), 12 V bus (9600 = 0x2580),
            // current trunc(8000 × 2097 / 2048) = 8191 = 0x1FFF, power trunc(8191 × 9600 / 20000) = 3931 = 0x0F5B.
            .readWord(0x40, register: 0x01, wire: [0x1F, 0x40]),
            .readWord(0x40, register: 0x02, wire: [0x25, 0x80]),
            .readWord(0x40, register: 0x04, wire: [0x1F, 0xFF]),
            .readWord(0x40, register: 0x03, wire: [0x0F, 0x5B]),
        ])
        let monitor = INA226(name: "battery", bus: bus)
        #expect(try monitor.start() == "manufacturer id 0x5449 die id 0x2260")
        let readings = try monitor.readSample()
        bus.finish()
        let lsb = 0.00512 / (2097 * 0.1) // the current LSB CAL = 2097 really gives
        #expect(readings.map(\.key) == ["bus_voltage_v", "shunt_voltage_v", "current_a", "power_w"])
        #expect(abs(readings[0].value - 12.0) < 1e-12)
        #expect(abs(readings[1].value - 0.020) < 1e-12)
        #expect(abs(readings[2].value - 8191 * lsb) < 1e-12) // 0.19999 A
        #expect(abs(readings[3].value - 3931 * 25 * lsb) < 1e-12) // 2.3995 W
    }

    @Test func wrongIDsAreIdentityErrors() {
        let bus = ScriptedI2CBus([.readWord(0x41, register: 0xFE, wire: [0x49, 0x54])]) // byte-swapped: a bug, not a TI part
        let monitor = INA226(name: "solar", bus: bus, address: I2CAddress(0x41))
        #expect { _ = try monitor.start() } throws: { error in
            let device = error as? DeviceError
            return device?.category == .identity && (device?.underlying as? INA226Error) == .unexpectedManufacturerID(0x4954)
        }
        bus.finish()
        let ina219 = ScriptedI2CBus([
            .readWord(0x41, register: 0xFE, wire: [0x54, 0x49]),
            .readWord(0x41, register: 0xFF, wire: [0x22, 0x70]),
        ])
        #expect { _ = try INA226(name: "solar", bus: ina219, address: I2CAddress(0x41)).start() } throws: {
            ($0 as? DeviceError)?.category == .identity
        }
        ina219.finish()
    }

    @Test func aZeroShuntFailsBeforeAnyBusTraffic() {
        let bus = ScriptedI2CBus([])
        let monitor = INA226(name: "battery", bus: bus, configuration: .init(shuntOhms: 0, maxCurrentA: 1))
        #expect { _ = try monitor.start() } throws: { ($0 as? DeviceError)?.category == .configuration }
        bus.finish()
    }
}

@Suite struct INA226SimulationTests {
    /// Battery at 0x40 (0.1 Ω, 0.8 A) and solar at 0x41 (0.01 Ω, 5 A) on one bus.
    private func rig(faults: FaultInjector? = nil) -> (battery: (INA226Model, INA226<SimI2CBus>), solar: (INA226Model, INA226<SimI2CBus>)) {
        let bus = SimI2CBus(faults: faults)
        let batteryModel = INA226Model(shuntOhms: 0.1)
        let solarModel = INA226Model(shuntOhms: 0.01)
        bus.attach(batteryModel, at: I2CAddress(0x40), deviceName: "battery")
        bus.attach(solarModel, at: I2CAddress(0x41), deviceName: "solar")
        return (
            (batteryModel, INA226(name: "battery", bus: bus, configuration: .init(shuntOhms: 0.1, maxCurrentA: 0.8))),
            (solarModel, INA226(name: "solar", bus: bus, address: I2CAddress(0x41), configuration: .init(shuntOhms: 0.01, maxCurrentA: 5)))
        )
    }

    @Test func sweepsVoltageAndCurrentOfBothMonitors() throws {
        let (battery, solar) = rig()
        _ = try battery.1.start()
        _ = try solar.1.start()
        #expect(battery.0.calibrationRegister == 2097) // 0.00512 / (0.8/32768 × 0.1)
        #expect(solar.0.calibrationRegister == 3355) // 0.00512 / (5/32768 × 0.01) = 3355.4
        for (name, model, monitor, maxCurrent, epsilonA) in [
            // Current error: half a shunt LSB (2.5 µV / R, rounded by the model) plus under one
            // current LSB (the chip truncates shunt × CAL / 2048): battery 12.5 µA + 24.4 µA,
            // solar 125 µA + 152.6 µA.
            ("battery", battery.0, battery.1, 0.8, 37e-6),
            ("solar", solar.0, solar.1, 5.0, 278e-6),
        ] {
            // Bus voltage: 1.25 mV LSB, rounded to nearest → 0.625 mV.
            try sweep(
                "\(name).bus_voltage_v", over: 0...36, steps: 36, epsilon: 0.000626,
                set: { model.set(busVoltageV: $0, currentA: 0.1) },
                read: { try monitor.measure().busVoltageV })
            // Both signs: charging and discharging.
            try sweep(
                "\(name).current_a", over: -maxCurrent...maxCurrent, steps: 40, epsilon: epsilonA,
                set: { model.set(busVoltageV: 12, currentA: $0) },
                read: { try monitor.measure().currentA })
        }
        // Power follows the chip's own arithmetic: 0.5 A at 12 V on the battery is 6 W within a
        // power LSB (25 × 24.4 µA = 0.61 mW) plus the current error × 12 V.
        battery.0.set(busVoltageV: 12, currentA: 0.5)
        #expect(abs(try battery.1.measure().powerW - 6.0) < 0.00061 + 37e-6 * 12)
        battery.0.set(busVoltageV: 12, currentA: -0.5)
        let reverse = try battery.1.measure()
        #expect(reverse.currentA < 0 && abs(reverse.powerW - 6.0) < 0.00061 + 37e-6 * 12)
    }

    @Test func aSaturatedShuntIsADataError() throws {
        let (battery, _) = rig()
        _ = try battery.1.start()
        battery.0.set(busVoltageV: 12, currentA: 1.0) // 100 mV across 0.1 Ω: beyond ±81.92 mV
        #expect { _ = try battery.1.readSample() } throws: { ($0 as? DeviceError)?.category == .data }
    }

    @Test(arguments: [InjectedFault.noAcknowledge, .timeout, .disconnect])
    func busFaultsAreBusErrorsAndStayOnTheirDevice(fault: InjectedFault) throws {
        let faults = FaultInjector(clock: SimClock())
        let (battery, solar) = rig(faults: faults)
        faults.inject(fault, device: "battery")
        #expect { _ = try battery.1.start() } throws: { error in
            let device = error as? DeviceError
            guard device?.category == .bus, case .bus(let i2c)? = device?.underlying as? INA226Error else { return false }
            return fault == .timeout ? i2c.kind == .timeout : i2c.kind == .noAcknowledge(.address)
        }
        #expect(try solar.1.start() == "manufacturer id 0x5449 die id 0x2260")
    }
}
