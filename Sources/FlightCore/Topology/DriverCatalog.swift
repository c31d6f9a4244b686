import Drivers
import HAL

/// Every driver `iostd` can build from a `[[device]]` table, with the keys each one reads.
///
/// The README's "Supported hardware" and "Configuration" tables list the same drivers and keys.
/// Drivers are generic over their bus; each factory opens the configured bus's existential into
/// a generic function (SE-0352) so the driver's control path is specialised for its bus type.
public enum DriverCatalog {
    public static let all: [DriverFactory] = [bme280, ads1115O2, ina226, mpu6050, scd30, epeverTracer, starTracker, geiger, gpioActuator, fanStages]

    // MARK: I2C

    /// Bosch BME280: cabin temperature, pressure, humidity.
    static let bme280 = DriverFactory(name: "bme280", family: .i2c, summary: "Bosch BME280 temperature / pressure / humidity", readingKeys: ["temperature_c", "pressure_pa", "humidity_pct"]) {
        context throws(DeviceBuildError) in
        let (bus, address) = try context.i2c()
        let options = context.options
        let oversampling: [Int: BME280Oversampling] = [0: .skipped, 1: .x1, 2: .x2, 4: .x4, 8: .x8, 16: .x16]
        let t, p, h: BME280Oversampling
        let filter: BME280Filter
        do throws(ConfigurationError) {
            t = try options.intChoice("oversampling_t", oversampling, default: .x1)
            if t == .skipped { throw options.error("oversampling_t", "temperature cannot be skipped: pressure and humidity compensation need it") }
            p = try options.intChoice("oversampling_p", oversampling, default: .x1)
            h = try options.intChoice("oversampling_h", oversampling, default: .x1)
            filter = try options.intChoice("filter", [0: .off, 2: .coefficient2, 4: .coefficient4, 8: .coefficient8, 16: .coefficient16], default: .off)
        } catch {
            throw .configuration(error)
        }
        func make<Bus: I2CBus>(_ bus: Bus) -> any SensorDevice {
            var configuration = BME280<Bus>.Configuration()
            configuration.temperatureOversampling = t
            configuration.pressureOversampling = p
            configuration.humidityOversampling = h
            configuration.filter = filter
            return BME280(name: context.name, bus: bus, address: address, configuration: configuration, clock: context.clock)
        }
        return make(bus)
    }

    /// ADS1115 16-bit ADC reading a galvanic O2 cell.
    static let ads1115O2 = DriverFactory(name: "ads1115-o2", family: .i2c, summary: "TI ADS1115 ADC + galvanic O2 cell (ppO2, O2 %)", readingKeys: ["cell_mv", "ppo2_kpa", "o2_pct"]) {
        context throws(DeviceBuildError) in
        let (bus, address) = try context.i2c()
        let options = context.options
        let cell: GalvanicO2Calibration
        let gain: ADS1115Gain
        let input: ADS1115Multiplexer
        do throws(ConfigurationError) {
            cell = GalvanicO2Calibration(
                calibrationMillivolts: try options.double("cal_mv", default: 10.0, in: 0.1...1000),
                calibrationPPO2kPa: try options.double("cal_ppo2_kpa", default: 21.2, in: 1...200)
            )
            gain = try options.choice(
                "full_scale_v",
                [
                    "6.144": .fullScale6_144V, "4.096": .fullScale4_096V, "2.048": .fullScale2_048V,
                    "1.024": .fullScale1_024V, "0.512": .fullScale0_512V, "0.256": .fullScale0_256V,
                ], default: .fullScale0_256V)
            input = try options.choice(
                "input",
                [
                    "ain0-ain1": .ain0MinusAin1, "ain0-ain3": .ain0MinusAin3, "ain1-ain3": .ain1MinusAin3, "ain2-ain3": .ain2MinusAin3,
                    "ain0": .ain0, "ain1": .ain1, "ain2": .ain2, "ain3": .ain3,
                ], default: .ain0MinusAin1)
        } catch {
            throw .configuration(error)
        }
        func make<Bus: I2CBus>(_ bus: Bus) -> any SensorDevice {
            var configuration = ADS1115O2Sensor<Bus>.Configuration()
            configuration.cell = cell
            configuration.gain = gain
            configuration.multiplexer = input
            return ADS1115O2Sensor(name: context.name, bus: bus, address: address, configuration: configuration, clock: context.clock)
        }
        return make(bus)
    }

    /// TI INA226 shunt/bus monitor (battery, solar array).
    static let ina226 = DriverFactory(name: "ina226", family: .i2c, summary: "TI INA226 current / voltage / power monitor", readingKeys: ["bus_voltage_v", "shunt_voltage_v", "current_a", "power_w"]) {
        context throws(DeviceBuildError) in
        let (bus, address) = try context.i2c()
        let options = context.options
        let shunt, maxCurrent: Double
        do throws(ConfigurationError) {
            shunt = try options.double("shunt_ohms", default: 0.1, in: 1e-6...100)
            maxCurrent = try options.double("max_current_a", default: 0.8, in: 1e-3...1000)
        } catch {
            throw .configuration(error)
        }
        func make<Bus: I2CBus>(_ bus: Bus) -> any SensorDevice {
            INA226(
                name: context.name, bus: bus, address: address,
                configuration: INA226<Bus>.Configuration(shuntOhms: shunt, maxCurrentA: maxCurrent))
        }
        return make(bus)
    }

    /// InvenSense MPU-6050-class 6-axis IMU.
    static let mpu6050 = DriverFactory(
        name: "mpu6050", family: .i2c, summary: "InvenSense MPU-6050 gyro + accelerometer",
        readingKeys: ["rate_x_rad_s", "rate_y_rad_s", "rate_z_rad_s", "accel_x_m_s2", "accel_y_m_s2", "accel_z_m_s2", "temperature_c"]
    ) { context throws(DeviceBuildError) in
        let (bus, address) = try context.i2c()
        let options = context.options
        let gyro: MPU6050GyroRange
        let accel: MPU6050AccelRange
        let ids: [UInt8]
        do throws(ConfigurationError) {
            gyro = try options.intChoice("gyro_range_dps", [250: .dps250, 500: .dps500, 1000: .dps1000, 2000: .dps2000], default: .dps250)
            accel = try options.intChoice("accel_range_g", [2: .g2, 4: .g4, 8: .g8, 16: .g16], default: .g2)
            let accepted = try options.doubles("accepted_ids", default: [0x68])
            ids = try accepted.map { value throws(ConfigurationError) in
                guard value >= 0, value <= 255, value == value.rounded() else { throw options.error("accepted_ids", "expected byte values, found \(value)") }
                return UInt8(value)
            }
        } catch {
            throw .configuration(error)
        }
        func make<Bus: I2CBus>(_ bus: Bus) -> any SensorDevice {
            var configuration = MPU6050<Bus>.Configuration()
            configuration.gyroRange = gyro
            configuration.accelRange = accel
            configuration.acceptedIDs = ids
            return MPU6050(name: context.name, bus: bus, address: address, configuration: configuration)
        }
        return make(bus)
    }

    // MARK: Modbus

    /// Sensirion SCD30 CO2 / temperature / humidity over its Modbus interface.
    static let scd30 = DriverFactory(name: "scd30", family: .modbus, summary: "Sensirion SCD30 CO2 / T / RH (Modbus interface)", readingKeys: ["co2_ppm", "temperature_c", "humidity_pct"]) {
        context throws(DeviceBuildError) in
        let (client, unit) = try context.modbus()
        let options = context.options
        let configuration: SCD30Configuration
        do throws(ConfigurationError) {
            configuration = SCD30Configuration(
                measurementIntervalSeconds: UInt16(try options.int("interval_s", default: 2, in: 2...1800)),
                ambientPressureMbar: options.has("ambient_pressure_mbar") ? UInt16(try options.int("ambient_pressure_mbar", in: 700...1400)) : nil
            )
        } catch {
            throw .configuration(error)
        }
        func make<Client: ModbusClient>(_ client: Client) -> any SensorDevice {
            SCD30(name: context.name, client: client, unit: unit, configuration: configuration)
        }
        return make(client)
    }

    /// EPEver Tracer-class MPPT solar charge controller (input registers 0x3100…).
    static let epeverTracer = DriverFactory(
        name: "epever-tracer", family: .modbus, summary: "EPEver Tracer-class MPPT solar charge controller",
        readingKeys: ["pv_voltage_v", "pv_current_a", "pv_power_w", "battery_voltage_v", "charge_current_a", "charge_power_w", "battery_soc_pct", "charging_state", "battery_current_a"]
    ) { context throws(DeviceBuildError) in
        let (client, unit) = try context.modbus()
        func make<Client: ModbusClient>(_ client: Client) -> any SensorDevice {
            EPEverTracer(name: context.name, client: client, unit: unit)
        }
        return make(client)
    }

    /// The star tracker (our register map: docs/star-tracker-modbus.md).
    static let starTracker = DriverFactory(
        name: "star-tracker", family: .modbus, summary: "Star tracker (attitude quaternion; docs/star-tracker-modbus.md)",
        readingKeys: ["stars_tracked", "tracking", "time_tag_s", "q_w", "q_x", "q_y", "q_z"]
    ) { context throws(DeviceBuildError) in
        let (client, unit) = try context.modbus()
        let options = context.options
        let configuration: StarTrackerConfiguration
        do throws(ConfigurationError) {
            configuration = StarTrackerConfiguration(
                mode: try options.choice("mode", ["track": .track, "standby": .standby], default: .track),
                exposureMs: UInt16(try options.int("exposure_ms", default: 50, in: 1...1000))
            )
        } catch {
            throw .configuration(error)
        }
        func make<Client: ModbusClient>(_ client: Client) -> any SensorDevice {
            StarTracker(name: context.name, client: client, unit: unit, configuration: configuration)
        }
        return make(client)
    }

    // MARK: GPIO

    /// A Geiger–Müller tube's pulse output on an edge-event line.
    static let geiger = DriverFactory(
        name: "geiger", family: .gpio, summary: "Geiger–Müller tube pulses (edge events, dead-time corrected)",
        readingKeys: ["counts", "cpm", "cpm_corrected", "dose_rate_usv_h", "window_s", "buffer_overflows", "timestamp_anomalies", "lost_events"]
    ) { context throws(DeviceBuildError) in
        let (chip, line) = try context.gpio()
        let options = context.options
        let configuration: GeigerConfiguration
        do throws(ConfigurationError) {
            configuration = GeigerConfiguration(
                deadTimeSeconds: try options.double("dead_time_s", default: 190e-6, in: 0...0.01),
                microsievertsPerHourPerCPM: try options.double("usv_h_per_cpm", default: 0.0057, in: 1e-6...1),
                countedEdge: try options.choice("edge", ["falling": .falling, "rising": .rising], default: .falling),
                bufferCapacity: try options.int("buffer_capacity", default: 4096, in: 16...1_000_000)
            )
        } catch {
            throw .configuration(error)
        }
        let edge: GPIOEdge = configuration.countedEdge == .falling ? .falling : .rising
        do throws(GPIOError) {
            let events = try chip.requestEdgeEvents(line, edge: edge, options: GPIOLineOptions(bias: .asIs))
            return GeigerCounter(name: context.name, line: events, clock: context.clock, configuration: configuration)
        } catch {
            throw .unavailable(error.description)
        }
    }

    /// A GPIO output actuator with readback: valve, heater, load switch, alarm.
    static let gpioActuator = DriverFactory(name: "gpio-actuator", family: .gpio, summary: "GPIO output actuator with readback and a safe state", readingKeys: ["state"], output: .channel) {
        context throws(DeviceBuildError) in
        let (chip, line) = try context.gpio()
        let options = context.options
        let configuration: ActuatorConfiguration
        do throws(ConfigurationError) {
            // `role` is parsed once by VehicleConfiguration; an actuator needs an actuator role.
            let roles = ActuatorRole.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            guard let deviceRole = context.configuration.role else { throw options.error("role", "missing; expected one of \(roles)") }
            guard case .actuator(let role) = deviceRole else {
                throw options.error("role", "\"\(deviceRole.rawValue)\" is not an actuator role (expected one of \(roles))")
            }
            configuration = ActuatorConfiguration(
                role: role,
                activeLow: try options.bool("active_low", default: false),
                safeState: options.has("safe_state") ? try options.bool("safe_state", default: role.defaultSafeState) : nil
            )
        } catch {
            throw .configuration(error)
        }
        do throws(GPIOError) {
            let output = try configuration.requestLine(line, on: chip)
            return makeGPIOActuator(name: context.name, line: output, configuration: configuration)
        } catch {
            throw .unavailable(error.description)
        }
    }

    /// A multi-speed fan, one GPIO line per stage.
    static let fanStages = DriverFactory(name: "gpio-fan", family: .gpio, summary: "Multi-stage fan (one GPIO line per stage)", readingKeys: ["stage", "state"], output: .stagedChannels) {
        context throws(DeviceBuildError) in
        let (chip, _) = try context.gpio()
        let options = context.options
        let lineIDs = context.configuration.lines
        let wiring: FanStageWiring
        let activeLow: Bool
        let safeStage: Int
        do throws(ConfigurationError) {
            wiring = try options.choice("wiring", ["exclusive": .exclusive, "cumulative": .cumulative], default: .exclusive)
            activeLow = try options.bool("active_low", default: false)
            safeStage = try options.int("safe_stage", default: 1, in: 0...max(lineIDs.count, 1))
            options.accept("role")
        } catch {
            throw .configuration(error)
        }
        var lines: [any GPIOOutputLine] = []
        do throws(GPIOError) {
            for (index, line) in lineIDs.enumerated() {
                // Request each line already at the safe stage's level: no glitch at start-up.
                let on = wiring == .cumulative ? index < safeStage : index == safeStage - 1
                lines.append(try chip.requestOutput(line, initialValue: on, options: GPIOLineOptions(activeLow: activeLow)))
            }
        } catch {
            for line in lines { line.release() }
            throw .unavailable(error.description)
        }
        return FanStages(name: context.name, lines: lines, wiring: wiring, safeStage: safeStage)
    }
}
