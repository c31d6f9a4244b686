import Drivers
import HAL

/// The output stage: applies every actuator channel's arbitrated demand to its device (only on a
/// change, or again after a failed attempt) and publishes `act.<channel>.state` / `.failures`.
///
/// Runs last in each group whose members write actuator requests (life support, power, fault
/// management), so a decision reaches the hardware within the same cycle.
public final class ActuatorOutputStage: RateGroupMember {
    public let name: String
    private let channels: [ActuatorChannel]
    private let pool: ParameterPool
    private let stateHandles: [ParameterHandle]
    private let failureHandles: [ParameterHandle]

    init(name: String, channels: [ActuatorChannel], pool: ParameterPool, stateHandles: [ParameterHandle], failureHandles: [ParameterHandle]) {
        self.name = name
        self.channels = channels
        self.pool = pool
        self.stateHandles = stateHandles
        self.failureHandles = failureHandles
    }

    public func run(_ cycle: CycleContext) {
        for index in channels.indices {
            let channel = channels[index]
            if channel.apply(at: cycle.time), let applied = channel.applied {
                pool.set(stateHandles[index], applied ? 1 : 0, at: cycle.time)
            } else {
                pool.invalidate(stateHandles[index], at: cycle.time)
            }
            pool.set(failureHandles[index], Double(channel.totalFailures), at: cycle.time)
        }
    }
}

/// Shares one multi-stage fan between per-stage actuator channels: channel *k* on asks for stage
/// *k*; the fan runs the highest stage asked for. Controllers and safing see ordinary on/off channels.
final class FanStageSelector: @unchecked Sendable {
    let fan: FanStages
    private let wanted: LockedValue<[Bool]>

    init(fan: FanStages) {
        self.fan = fan
        self.wanted = LockedValue(Array(repeating: false, count: fan.stageCount))
    }

    func set(stage: Int, on: Bool) throws(DeviceError) {
        let target = wanted.withLock { wanted -> Int in
            wanted[stage - 1] = on
            return (wanted.lastIndex(of: true) ?? -1) + 1
        }
        try fan.command(stage: target)
    }
}

/// One stage of a ``FanStageSelector`` as an on/off actuator.
final class FanStageSwitch: ActuatorDevice, @unchecked Sendable {
    let selector: FanStageSelector
    let stage: Int
    let name: String
    var driver: String { selector.fan.driver }
    let safeState: Bool

    init(selector: FanStageSelector, stage: Int, safeStage: Int) {
        self.selector = selector
        self.stage = stage
        self.name = "\(selector.fan.name)-stage\(stage)"
        self.safeState = stage == safeStage
    }

    func start() throws(DeviceError) -> String { try selector.fan.start() }
    func readSample() throws(DeviceError) -> [Reading] { [Reading("state", try readBack() ? 1 : 0)] }
    func command(_ on: Bool) throws(DeviceError) { try selector.set(stage: stage, on: on) }
    func readBack() throws(DeviceError) -> Bool { try selector.fan.readBackStage() >= stage }
}

/// A configured device that could not be opened at start-up (bus missing, line busy): every
/// access fails as a bus error, so device health marks it FAILED and its parameters invalid.
final class UnreachableDevice: SensorDevice, @unchecked Sendable {
    let name: String
    let driver: String
    let reason: String

    init(name: String, driver: String, reason: String) {
        self.name = name
        self.driver = driver
        self.reason = reason
    }

    func start() throws(DeviceError) -> String {
        throw DeviceError(.bus, device: name, driver: driver, message: reason)
    }

    func readSample() throws(DeviceError) -> [Reading] {
        throw DeviceError(.bus, device: name, driver: driver, message: reason)
    }
}

/// Feeds the cabin pressure parameter to sensors that compensate for it (the O2 cells' O2 %).
public final class AmbientPressureFeed: RateGroupMember {
    public let name = "pressure-feed"
    private let pool: ParameterPool
    private let pressure: ParameterHandle
    private let sensors: [any AmbientPressureCompensated]

    init(pool: ParameterPool, pressure: ParameterHandle, sensors: [any AmbientPressureCompensated]) {
        self.pool = pool
        self.pressure = pressure
        self.sensors = sensors
    }

    public func run(_ cycle: CycleContext) {
        guard let pascals = pool.value(pressure) else { return }
        for sensor in sensors { sensor.setAmbientPressure(pascals: pascals) }
    }
}

/// In simulation, reads pending edge events each base tick (the simulated lines never block); on
/// hardware a dedicated I/O thread per edge device does this instead.
public final class EdgeEventPump: RateGroupMember {
    public let name = "edge-event-pump"
    private let devices: [any EdgeEventDevice]

    public init(devices: [any EdgeEventDevice]) {
        self.devices = devices
    }

    public func run(_ cycle: CycleContext) {
        for device in devices { _ = try? device.ingest(timeout: .zero) }
    }
}
