import Drivers
@testable import FlightCore
import HAL
import SimHardware

/// Records every event (tests may allocate).
final class EventRecorder: EventSink {
    var events: [FlightEvent] = []
    func raise(_ event: FlightEvent) { events.append(event) }

    func ids(_ range: ClosedRange<UInt16>) -> [UInt16] { events.filter { range.contains($0.id.rawValue) }.map(\.id.rawValue) }
    func count(_ id: EventID) -> Int { events.filter { $0.id == id }.count }
    func last(_ id: EventID) -> FlightEvent? { events.last { $0.id == id } }
}

/// An actuator device double that records commands.
final class RecordingActuator: ActuatorDevice {
    let name: String
    let driver = "test-actuator"
    let safeState: Bool
    var commands: [Bool] = []
    init(name: String, safeState: Bool) {
        self.name = name
        self.safeState = safeState
    }
    func start() throws(DeviceError) -> String { "test" }
    func readSample() throws(DeviceError) -> [Reading] { [] }
    func command(_ on: Bool) throws(DeviceError) { commands.append(on) }
    func readBack() throws(DeviceError) -> Bool { commands.last ?? safeState }
}

/// The actuator output stage: applies every channel once per cycle (the last member of the group).
final class OutputStage: RateGroupMember {
    let name = "output"
    let channels: [ActuatorChannel]
    init(_ channels: [ActuatorChannel]) { self.channels = channels }
    func run(_ cycle: CycleContext) {
        for channel in channels { channel.apply(at: cycle.time) }
    }
}

/// Runs members on a SimClock, one cycle per period; cycle k runs at t = k × period.
final class CycleDriver {
    let clock = SimClock()
    let period: Duration
    var members: [any RateGroupMember]
    private(set) var index: UInt64 = 0

    init(period: Duration = .seconds(1), members: [any RateGroupMember] = []) {
        self.period = period
        self.members = members
    }

    var now: MonotonicInstant { clock.now }

    /// Runs one cycle: `before` (a sampler writing the pool), the members, then `after`; then advances the clock.
    func cycle(before: (MonotonicInstant) -> Void = { _ in }, after: (MonotonicInstant) -> Void = { _ in }) {
        let context = CycleContext(time: clock.now, period: period, index: index)
        before(context.time)
        for member in members { member.run(context) }
        after(context.time)
        index += 1
        clock.advance(by: period)
    }
}

/// Registers an f64 parameter for a test.
@discardableResult
func register(_ pool: ParameterPool, _ id: UInt16, _ name: String, unit: String = "") throws -> ParameterHandle {
    try pool.register(ParameterDefinition(id: ParameterID(id), name: name, unit: unit))
}

/// Parses a configuration text for a test.
func configurationRoot(_ text: String) throws -> ConfigTable {
    try VehicleConfiguration.parse(text: text, path: "test.toml").root
}
