@testable import FlightCore
import HAL
import Testing

/// A small vehicle around the mode machine: two devices (cabin-env critical, co2-b not), ppO2 and
/// CO2 emergency monitors (persistence 1), battery, O2-sensor status, attitude, and the role channels.
final class ModeFixture {
    struct Inputs {
        var soc = 80.0
        var o2Status = 0.0
        var health: [Double?] = [0, 0]
        var ppo2 = 21.0
        var co2 = 800.0
        var tracking = 1.0
        var gyroValid = true
        var temperature = 22.0
    }

    /// Device indices the recovery hook was called with.
    final class RecoveryLog {
        var devices: [Int] = []
    }

    let pool = ParameterPool()
    let router: EventRouter
    let recorder = EventRecorder()
    let fdir: FaultManagement
    let driver: CycleDriver
    var inputs = Inputs()
    let crewAlarm = ActuatorChannel(name: "crew-alarm", device: nil, safeState: false)
    let scrubbers = [
        ActuatorChannel(name: "scrubber-1", device: nil, safeState: false),
        ActuatorChannel(name: "scrubber-2", device: nil, safeState: false),
    ]
    let payload = ActuatorChannel(name: "payload", device: nil, safeState: false)
    let radio = ActuatorChannel(name: "radio-high", device: nil, safeState: false)
    let heater = ActuatorChannel(name: "heater-aux", device: nil, safeState: false)
    let o2Valve = ActuatorChannel(name: "o2-valve", device: nil, safeState: false)
    /// A load switch feeding device co2-b (not a mode role): on in its safe state.
    let sensorSwitch = RecordingActuator(name: "co2-b-power", safeState: true)
    let sensorPower: ActuatorChannel
    let recovery = RecoveryLog()
    private let handles: [String: ParameterHandle]

    init(eventActions: String = "", modeMachine: String = "") throws {
        var handles: [String: ParameterHandle] = [:]
        for (id, name) in [
            (0x0300, "power.battery_soc_pct"), (0x0200, "ls.o2_sensor_status"), (0x0600, "dev.cabin-env.health"),
            (0x0601, "dev.co2-b.health"), (0x0201, "cabin.ppo2_kpa"), (0x0202, "cabin.co2_ppm"),
            (0x0900, "adcs.st_tracking"), (0x0901, "adcs.gyro_rate"), (0x0203, "cabin.temperature_c"),
        ] {
            handles[name] = try register(pool, UInt16(id), name)
        }
        self.handles = handles
        router = EventRouter(inboxCapacity: 32, downstream: [recorder])
        let text = """
            [[monitor]]
            name = "ppo2"
            parameter = "cabin.ppo2_kpa"
            kind = "limit"
            alarm_low = 16.0
            alarm_high = 30.0

            [[monitor]]
            name = "co2"
            parameter = "cabin.co2_ppm"
            kind = "limit"
            alarm_high = 5000

            [[monitor]]
            name = "cabin_temp"
            parameter = "cabin.temperature_c"
            kind = "limit"
            warning_high = 30.0
            alarm_high = 35.0

            \(eventActions)

            [mode_machine]
            critical_devices = ["cabin-env"]
            emergency_monitors = ["ppo2", "co2"]
            o2_valve_close_monitor = "ppo2"
            attitude_tracking_parameter = "adcs.st_tracking"
            attitude_rate_parameter = "adcs.gyro_rate"
            \(modeMachine)
            """
        let configuration = try FaultManagementConfiguration(root: configurationRoot(text))
        let actuators = ModeActuators(
            crewAlarm: crewAlarm, scrubberStages: scrubbers, payload: [payload], radio: radio,
            nonEssentialHeaters: [heater], o2Valve: o2Valve)
        sensorPower = ActuatorChannel(name: "co2-b-power", device: sensorSwitch, safeState: true)
        let channels = [crewAlarm] + scrubbers + [payload, radio, heater, o2Valve, sensorPower]
        let recovery = recovery
        fdir = try FaultManagement(
            configuration: configuration, pool: pool, router: router,
            catalog: [EventDefinition(EventID(0x0601), "device_failed", .medium, arguments: ["device index"], "A device failed.")],
            devices: ["cabin-env", "co2-b"], actuators: actuators, channels: channels,
            recoverDevice: { recovery.devices.append($0) })
        driver = CycleDriver(members: fdir.monitoringMembers(period: .seconds(1)) + [OutputStage(channels)])
    }

    var machine: ModeMachine { fdir.modeMachine }
    var mode: VehicleMode { machine.mode }
    var seconds: Int { Int(driver.now.seconds) }

    /// Runs one cycle with the inputs written first.
    func step() {
        driver.cycle(before: { [self] time in
            pool.set(handles["power.battery_soc_pct"]!, inputs.soc, at: time)
            pool.set(handles["ls.o2_sensor_status"]!, inputs.o2Status, at: time)
            if let health = inputs.health[0] { pool.set(handles["dev.cabin-env.health"]!, health, at: time) }
            if let health = inputs.health[1] { pool.set(handles["dev.co2-b.health"]!, health, at: time) }
            pool.set(handles["cabin.ppo2_kpa"]!, inputs.ppo2, at: time)
            pool.set(handles["cabin.co2_ppm"]!, inputs.co2, at: time)
            pool.set(handles["adcs.st_tracking"]!, inputs.tracking, at: time)
            pool.set(handles["cabin.temperature_c"]!, inputs.temperature, at: time)
            if inputs.gyroValid {
                pool.set(handles["adcs.gyro_rate"]!, 0.001, at: time)
            } else {
                pool.invalidate(handles["adcs.gyro_rate"]!, at: time)
            }
        })
    }

    /// Runs cycles until the clock reads `seconds` (the next cycle runs at that time).
    func run(until seconds: Int) {
        while self.seconds < seconds { step() }
    }

    /// The mode after the cycle at `seconds` has run.
    func mode(at seconds: Int) -> VehicleMode {
        run(until: seconds)
        step()
        return mode
    }

    func command(_ mode: VehicleMode) throws(ModeCommandError) {
        try machine.command(mode, at: driver.now)
    }

    /// (from, to, reason, detail) of every mode event.
    var transitions: [[Double]] {
        recorder.events.filter { (0x0501...0x0504).contains($0.id.rawValue) }.map(\.argumentList)
    }

    var fdirMode: Double? { pool.value(try! pool.handle(named: "fdir.mode")) }

    /// The `.safing` requests of crew alarm, scrubbers, payload, radio, heater, O2 valve.
    var safingRequests: [Bool?] {
        ([crewAlarm] + scrubbers + [payload, radio, heater, o2Valve]).map { $0.requested(by: .safing) }
    }

    /// Drives the fixture into `mode` with no condition active.
    func reach(_ target: VehicleMode) throws {
        run(until: 4) // boot dwell 3 s: NOMINAL at t = 3
        switch target {
        case .boot: preconditionFailure("make a new fixture")
        case .nominal: break
        case .degraded:
            machine.request(.degraded, entry: 0)
            step()
        case .safe, .emergency:
            try command(target)
        }
    }
}

private let B = 0.0, N = 1.0, D = 2.0, S = 3.0, E = 4.0

@Suite("Mode machine")
struct ModeMachineTests {
    @Test("BOOT → NOMINAL after the boot dwell with valid inputs; fdir.mode written every cycle")
    func bootToNominal() throws {
        let vehicle = try ModeFixture()
        #expect(vehicle.mode(at: 0) == .boot)
        #expect(vehicle.fdirMode == B)
        #expect(vehicle.mode(at: 2) == .boot)
        #expect(vehicle.mode(at: 3) == .nominal)
        #expect(vehicle.fdirMode == N)
        #expect(vehicle.transitions == [[B, N, Double(ModeReason.bootComplete.rawValue), 0]])
        #expect(vehicle.safingRequests == [nil, nil, nil, nil, nil, nil, nil])
    }

    @Test("BOOT waits for valid inputs and times out to SAFE")
    func bootTimeout() throws {
        let vehicle = try ModeFixture()
        vehicle.inputs.health[1] = nil // device health never reports co2-b
        #expect(vehicle.mode(at: 59) == .boot)
        #expect(vehicle.mode(at: 60) == .safe)
        #expect(vehicle.transitions == [[B, S, Double(ModeReason.bootTimeout.rawValue), 60]])
    }

    @Test("BOOT → DEGRADED after the dwell when the O2 sensors are degraded; BOOT → EMERGENCY / SAFE at once")
    func bootToOthers() throws {
        let degraded = try ModeFixture()
        degraded.inputs.o2Status = 1
        #expect(degraded.mode(at: 2) == .boot)
        #expect(degraded.mode(at: 3) == .degraded)
        #expect(degraded.transitions == [[B, D, Double(ModeReason.o2SensorDegraded.rawValue), 1]])

        let emergency = try ModeFixture()
        emergency.inputs.ppo2 = 14
        #expect(emergency.mode(at: 0) == .emergency)
        #expect(emergency.transitions == [[B, E, Double(ModeReason.emergencyMonitor.rawValue), 0]])

        let safe = try ModeFixture()
        safe.inputs.soc = 12
        #expect(safe.mode(at: 0) == .safe)
        #expect(safe.transitions == [[B, S, Double(ModeReason.batteryCritical.rawValue), 12]])
    }

    @Test("NOMINAL → DEGRADED on redundancy lost; → NOMINAL once clear for the 30 s dwell")
    func degradedDwell() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 10)
        vehicle.inputs.health[1] = 1
        #expect(vehicle.mode(at: 10) == .degraded)
        vehicle.run(until: 20)
        vehicle.inputs.health[1] = 0
        #expect(vehicle.mode(at: 20) == .degraded) // last degraded at t = 19
        #expect(vehicle.mode(at: 48) == .degraded)
        #expect(vehicle.mode(at: 49) == .nominal)
        #expect(
            vehicle.transitions == [
                [B, N, 1, 0],
                [N, D, Double(ModeReason.redundancyLost.rawValue), 1],
                [D, N, Double(ModeReason.redundancyRestored.rawValue), 30],
            ])
        #expect(vehicle.safingRequests == [nil, nil, nil, nil, nil, nil, nil])
    }

    @Test("A failed non-critical device degrades; a failed critical device safes (DEGRADED → SAFE)")
    func deviceFailures() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 5)
        vehicle.inputs.health[1] = 2
        #expect(vehicle.mode(at: 5) == .degraded)
        vehicle.inputs.health[0] = 2
        #expect(vehicle.mode(at: 8) == .safe)
        #expect(
            vehicle.transitions.dropFirst() == [
                [N, D, Double(ModeReason.deviceFailed.rawValue), 1],
                [D, S, Double(ModeReason.criticalDeviceFailed.rawValue), 0],
            ])
    }

    @Test("Battery critical → SAFE with minimal loads; SAFE → NOMINAL only by command, refused while SoC is critical")
    func batteryCriticalSafe() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 10)
        vehicle.inputs.soc = 14.5
        #expect(vehicle.mode(at: 10) == .safe)
        // crew alarm, scrubber 1, scrubber 2, payload, radio, heater, O2 valve
        #expect(vehicle.safingRequests == [nil, nil, nil, false, false, false, nil])
        #expect(vehicle.payload.applied == false)
        #expect(throws: ModeCommandError.conditionsPersist(from: .safe, to: .nominal, cause: ModeCause(.batteryCritical, 14.5))) {
            try vehicle.command(.nominal)
        }
        let refusal = try #require(vehicle.recorder.last(ModeEvents.commandRefused))
        #expect(refusal.argumentList == [S, N, 2, Double(ModeReason.batteryCritical.rawValue)])
        vehicle.inputs.soc = 40
        #expect(vehicle.mode(at: 1000) == .safe) // never leaves SAFE on its own
        try vehicle.command(.nominal)
        #expect(vehicle.mode == .nominal)
        #expect(vehicle.safingRequests == [nil, nil, nil, nil, nil, nil, nil])
        #expect(vehicle.transitions.last == [S, N, Double(ModeReason.command.rawValue), 0])
    }

    @Test("Attitude lost: star tracker not tracking for more than 30 s AND the gyro invalid")
    func attitudeLost() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 10)
        vehicle.inputs.tracking = 0
        #expect(vehicle.mode(at: 99) == .nominal) // gyro still valid
        vehicle.inputs.gyroValid = false
        #expect(vehicle.mode(at: 100) == .safe)
        #expect(vehicle.transitions.last == [N, S, Double(ModeReason.attitudeLost.rawValue), 90])

        let second = try ModeFixture()
        second.inputs.gyroValid = false
        second.run(until: 10)
        second.inputs.tracking = 0
        #expect(second.mode(at: 40) == .nominal) // 30 s without tracking: not yet more than 30 s
        #expect(second.mode(at: 41) == .safe)
    }

    @Test("ppO2 alarm low → EMERGENCY actions; EMERGENCY → SAFE automatically after 60 s clear; SAFE actions")
    func emergencyAndDwell() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 10)
        vehicle.inputs.ppo2 = 14
        #expect(vehicle.mode(at: 10) == .emergency)
        #expect(vehicle.safingRequests == [true, true, true, false, nil, false, nil])
        #expect(vehicle.crewAlarm.applied == true)
        #expect(vehicle.scrubbers.map(\.applied) == [true, true])
        vehicle.run(until: 20)
        vehicle.inputs.ppo2 = 21
        #expect(vehicle.mode(at: 20) == .emergency) // last emergency condition at t = 19
        #expect(vehicle.mode(at: 78) == .emergency)
        #expect(vehicle.mode(at: 79) == .safe)
        #expect(vehicle.safingRequests == [nil, nil, nil, false, false, false, nil])
        #expect(vehicle.crewAlarm.applied == false)
        #expect(
            vehicle.transitions.dropFirst() == [
                [N, E, Double(ModeReason.emergencyMonitor.rawValue), 0],
                [E, S, Double(ModeReason.emergencyCleared.rawValue), 60],
            ])
        #expect(vehicle.fdirMode == S)
    }

    @Test("EMERGENCY on ppO2 alarm HIGH closes the O2 valve; otherwise the valve is left to life support")
    func o2ValveOnPpo2High() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 5)
        vehicle.inputs.co2 = 6000
        #expect(vehicle.mode(at: 5) == .emergency)
        #expect(vehicle.o2Valve.requested(by: .safing) == nil)
        vehicle.inputs.ppo2 = 32
        vehicle.step()
        #expect(vehicle.o2Valve.requested(by: .safing) == false)
        vehicle.inputs.ppo2 = 21
        vehicle.step()
        #expect(vehicle.o2Valve.requested(by: .safing) == nil)
        #expect(vehicle.mode == .emergency) // CO2 still high
    }

    @Test("Leaving EMERGENCY by command is refused while its conditions persist")
    func emergencyCommandRefused() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 5)
        vehicle.inputs.ppo2 = 14
        vehicle.step()
        for target in [VehicleMode.nominal, .safe] {
            #expect(throws: ModeCommandError.conditionsPersist(from: .emergency, to: target, cause: ModeCause(.emergencyMonitor, 0))) {
                try vehicle.command(target)
            }
        }
        #expect(vehicle.recorder.count(ModeEvents.commandRefused) == 2)
        #expect(ModeCommandError.conditionsPersist(from: .emergency, to: .nominal, cause: ModeCause(.emergencyMonitor)).failureCode == 2)
        vehicle.inputs.ppo2 = 21
        vehicle.step()
        try vehicle.command(.nominal) // clear: allowed without the dwell
        #expect(vehicle.mode == .nominal)
        #expect(vehicle.safingRequests == [nil, nil, nil, nil, nil, nil, nil])
    }

    @Test("EMERGENCY entered by command stays until commanded out")
    func commandedEmergencyLatches() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 5)
        try vehicle.command(.emergency)
        #expect(vehicle.mode(at: 300) == .emergency)
        try vehicle.command(.safe)
        #expect(vehicle.mode == .safe)
        #expect(vehicle.transitions.dropFirst() == [[N, E, 14, 0], [E, S, 14, 0]])
    }

    @Test("SAFE → EMERGENCY automatically; DEGRADED → EMERGENCY automatically")
    func automaticToEmergency() throws {
        let safe = try ModeFixture()
        safe.run(until: 5)
        try safe.command(.safe)
        safe.inputs.co2 = 6000
        #expect(safe.mode(at: 6) == .emergency)
        #expect(safe.safingRequests == [true, true, true, false, nil, false, nil]) // radio back: ground contact in an emergency

        let degraded = try ModeFixture()
        degraded.inputs.o2Status = 1
        degraded.run(until: 5)
        #expect(degraded.mode == .degraded)
        degraded.inputs.co2 = 6000
        #expect(degraded.mode(at: 5) == .emergency)
    }

    /// Every commanded transition with no condition active: allowed (✓), refused as not allowed (✗),
    /// or the current mode (=, accepted without change). Rows: from; columns: to.
    @Test(
        "Command matrix: every allowed and refused commanded transition",
        arguments: [
            (VehicleMode.boot, "=✗✗✓✓"),
            (VehicleMode.nominal, "✗=✗✓✓"),
            (VehicleMode.degraded, "✗✓=✓✓"),
            (VehicleMode.safe, "✗✓✗=✓"),
            (VehicleMode.emergency, "✗✓✗✓="),
        ])
    func commandMatrix(from: VehicleMode, row: String) throws {
        for (target, mark) in zip([VehicleMode.boot, .nominal, .degraded, .safe, .emergency], row) {
            let vehicle = try ModeFixture()
            if from != .boot { try vehicle.reach(from) }
            #expect(vehicle.mode == from)
            let before = vehicle.transitions.count
            switch mark {
            case "✓":
                try vehicle.command(target)
                #expect(vehicle.mode == target, "\(from) → \(target)")
                #expect(vehicle.transitions.count == before + 1)
            case "=":
                try vehicle.command(target)
                #expect(vehicle.mode == from)
                #expect(vehicle.transitions.count == before)
            default:
                #expect(throws: ModeCommandError.notAllowed(from: from, to: target)) { try vehicle.command(target) }
                #expect(vehicle.mode == from)
            }
        }
    }

    @Test("DEGRADED → NOMINAL by command is refused while redundancy is lost")
    func degradedCommandRefused() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 5)
        vehicle.inputs.health[0] = 1
        vehicle.step()
        #expect(throws: ModeCommandError.conditionsPersist(from: .degraded, to: .nominal, cause: ModeCause(.redundancyLost, 0))) {
            try vehicle.command(.nominal)
        }
    }

    @Test("Event-action requests: allowed rows taken, the most severe wins, others ignored; dwell from the request")
    func requests() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 5)
        vehicle.machine.request(.degraded, entry: 2)
        vehicle.step() // t = 5
        #expect(vehicle.mode == .degraded)
        #expect(vehicle.transitions.last == [N, D, Double(ModeReason.eventAction.rawValue), 2])
        #expect(vehicle.mode(at: 34) == .degraded)
        #expect(vehicle.mode(at: 35) == .nominal) // 30 s after the request
        vehicle.machine.request(.safe, entry: 0)
        vehicle.machine.request(.emergency, entry: 1)
        vehicle.machine.request(.degraded, entry: 2)
        vehicle.step() // t = 36
        #expect(vehicle.mode == .emergency)
        #expect(vehicle.transitions.last == [N, E, Double(ModeReason.eventAction.rawValue), 1])
        #expect(vehicle.mode(at: 95) == .emergency)
        #expect(vehicle.mode(at: 96) == .safe) // 60 s after the request, nothing active
        vehicle.machine.request(.degraded, entry: 2)
        vehicle.step()
        #expect(vehicle.mode == .safe) // no request row SAFE → DEGRADED
    }
}
