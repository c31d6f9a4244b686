import Drivers
@testable import FlightCore
import HAL

/// Records every event raised, in order (test double of the executive's event log).
final class ControlTestEvents: EventSink {
    private(set) var events: [FlightEvent] = []
    func raise(_ event: FlightEvent) { events.append(event) }
    func with(_ id: EventID) -> [FlightEvent] { events.filter { $0.id == id } }
    var ids: [EventID] { events.map(\.id) }
    func clear() { events.removeAll() }
}

/// A GPIO actuator double that records the commands it receives.
final class ControlTestActuator: ActuatorDevice {
    let name: String
    let driver = "test-actuator"
    let safeState: Bool
    private(set) var commands: [Bool] = []
    private(set) var state: Bool

    init(name: String, safeState: Bool = false) {
        self.name = name
        self.safeState = safeState
        state = safeState
    }

    func start() throws(DeviceError) -> String { "test" }
    func readSample() throws(DeviceError) -> [Reading] { [Reading("state", state ? 1 : 0)] }
    func command(_ on: Bool) throws(DeviceError) {
        commands.append(on)
        state = on
    }
    func readBack() throws(DeviceError) -> Bool { state }
}

/// The cycle `index` of a 10 Hz rate group (time = index × 100 ms).
func tenHertzCycle(_ index: Int) -> CycleContext {
    CycleContext(time: MonotonicInstant(nanoseconds: UInt64(index) * 100_000_000), period: .milliseconds(100), index: UInt64(index))
}

/// A pool holding the measured inputs life support and power read, under their default names,
/// plus `fdir.mode`.
func controlTestPool() throws -> ParameterPool {
    let pool = ParameterPool()
    let names: [(String, String)] = [
        ("dev.o2-a.ppo2_kpa", "kPa"), ("dev.o2-b.ppo2_kpa", "kPa"), ("dev.cabin-co2.co2_ppm", "ppm"),
        ("dev.cabin-env.temperature_c", "°C"), ("dev.cabin-env.pressure_pa", "Pa"), ("dev.cabin-env.humidity_pct", "%"),
        ("dev.battery-power.current_a", "A"), ("dev.battery-power.bus_voltage_v", "V"), ("dev.solar-power.power_w", "W"),
        ("dev.mppt.pv_power_w", "W"), ("dev.mppt.charging_state", ""),
    ]
    for (offset, entry) in names.enumerated() {
        try pool.register(ParameterDefinition(id: ParameterID(UInt16(0x1000 + offset)), name: entry.0, unit: entry.1))
    }
    try pool.register(ParameterDefinition(id: ParameterID(0x0500), name: "fdir.mode", unit: "", type: .u8))
    return pool
}

/// Life support with its default channels (actuator doubles behind them) on `pool`.
struct LifeSupportRig {
    let pool: ParameterPool
    let events = ControlTestEvents()
    let valve = ControlTestActuator(name: "o2-valve")
    let fanLow = ControlTestActuator(name: "scrubber-fan-low")
    let fanHigh = ControlTestActuator(name: "scrubber-fan-high")
    let heaterDevice = ControlTestActuator(name: "cabin-heater")
    let channels: [ActuatorChannel]
    let controller: LifeSupportController

    init(configuration: LifeSupportController.Configuration = .init(), pool: ParameterPool? = nil) throws {
        let pool = try pool ?? controlTestPool()
        self.pool = pool
        channels = [
            ActuatorChannel(name: "o2-valve", device: valve, safeState: false),
            ActuatorChannel(name: "scrubber-fan-low", device: fanLow, safeState: false),
            ActuatorChannel(name: "scrubber-fan-high", device: fanHigh, safeState: false),
            ActuatorChannel(name: "cabin-heater", device: heaterDevice, safeState: false),
        ]
        controller = try LifeSupportController(configuration: configuration, pool: pool, channels: channels, events: events)
        set("fdir.mode", Double(VehicleMode.nominal.rawValue), at: 0)
        // A quiet cabin by default.
        set("dev.o2-a.ppo2_kpa", 21.0, at: 0)
        set("dev.o2-b.ppo2_kpa", 21.0, at: 0)
        set("dev.cabin-co2.co2_ppm", 1000, at: 0)
        set("dev.cabin-env.temperature_c", 22, at: 0)
        set("dev.cabin-env.pressure_pa", 101_325, at: 0)
        set("dev.cabin-env.humidity_pct", 45, at: 0)
    }

    func handle(_ name: String) -> ParameterHandle {
        // Names in the tests are literals: a failure here is a bug in the test.
        try! pool.handle(named: name)
    }

    func set(_ name: String, _ value: Double, at index: Int) {
        pool.set(handle(name), value, at: tenHertzCycle(index).time)
    }

    func invalidate(_ name: String, at index: Int) {
        pool.invalidate(handle(name), at: tenHertzCycle(index).time)
    }

    func value(_ name: String) -> Double? { pool.value(handle(name)) }

    /// Runs cycle `index` and the output stage.
    func step(_ index: Int) {
        let cycle = tenHertzCycle(index)
        controller.run(cycle)
        for channel in channels { channel.apply(at: cycle.time) }
    }

    var oxygenValve: ActuatorChannel { channels[0] }
    var heater: ActuatorChannel { channels[3] }
}
