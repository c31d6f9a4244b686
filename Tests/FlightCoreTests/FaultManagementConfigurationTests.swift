@testable import FlightCore
import HAL
import Testing

@Suite("FaultManagement configuration")
struct FaultManagementConfigurationTests {
    static let example = """
        [fault_management]
        inbox_capacity = 128
        monitor_state_parameter_base = 0x4400

        [[monitor]]
        name = "cabin_leak"
        parameter = "cabin.pressure_pa"
        kind = "rate"
        warning_low = -30.0
        alarm_low = -50.0
        window = "60s"
        rate_per = "1min"
        persistence = 3

        [[monitor]]
        name = "cabin_co2"
        parameter = "cabin.co2_ppm"
        kind = "limit"
        warning_high = 3000
        alarm_high = 5000
        alarm_event = 0x0490
        group = "fast"

        [[monitor]]
        name = "pump_status"
        parameter = "dev.pump.status"
        kind = "expected"
        expected = 1
        mask = 3
        enabled = false

        [[monitor]]
        name = "co2_fresh"
        parameter = "cabin.co2_ppm"
        kind = "stale"
        persistence = 5

        [[event_action]]
        monitor = "cabin_leak"
        state = "alarm_low"
        action = "set_mode"
        mode = "EMERGENCY"

        [[event_action]]
        event = "device_failed"
        argument = 2
        action = "power_cycle"
        channel = "co2-power"
        off_time = "10s"
        enabled = false

        [mode_machine]
        emergency_dwell = "2min"
        battery_critical_soc_pct = 12.5
        critical_devices = ["cabin-env"]
        emergency_monitors = ["cabin_leak", "cabin_co2"]
        """

    @Test("The example configuration reads into the expected values")
    func example() throws {
        let configuration = try FaultManagementConfiguration(root: configurationRoot(Self.example))
        #expect(configuration.inboxCapacity == 128)
        #expect(configuration.monitorStateParameterBase == ParameterID(0x4400))
        #expect(configuration.monitors.map(\.name) == ["cabin_leak", "cabin_co2", "pump_status", "co2_fresh"])
        #expect(configuration.monitors[0].kind == .rateOfChange(MonitorLevels(alarmLow: -50, warningLow: -30), window: .seconds(60), per: .seconds(60)))
        #expect(configuration.monitors[0].persistence == 3)
        #expect(configuration.monitors[1].kind == .limit(MonitorLevels(warningHigh: 3000, alarmHigh: 5000)))
        #expect(configuration.monitors[1].alarmEvent == EventID(0x0490))
        #expect(configuration.monitors[1].group == "fast")
        #expect(configuration.monitors[1].persistence == 1)
        #expect(configuration.monitors[2].kind == .expectedValue(expected: 1, mask: 3))
        #expect(configuration.monitors[2].enabled == false)
        #expect(configuration.monitors[3].kind == .staleness)
        #expect(
            configuration.eventActions == [
                EventActionConfiguration(trigger: .monitor("cabin_leak", states: MonitorStateSet(.alarmLow)), action: .setMode(.emergency)),
                EventActionConfiguration(
                    trigger: .eventNamed("device_failed"), argument: 2,
                    action: .powerCycle(channel: "co2-power", offTime: .seconds(10)), enabled: false),
            ])
        #expect(configuration.modeMachine.emergencyDwell == .seconds(120))
        #expect(configuration.modeMachine.degradedDwell == .seconds(30))
        #expect(configuration.modeMachine.batteryCriticalSoCPercent == 12.5)
        #expect(configuration.modeMachine.criticalDevices == ["cabin-env"])
        #expect(configuration.modeMachine.batterySoCParameter == "power.battery_soc_pct")
    }

    @Test("Defaults without any section")
    func defaults() throws {
        let configuration = try FaultManagementConfiguration(root: configurationRoot(""))
        #expect(configuration == FaultManagementConfiguration())
        #expect(configuration.modeMachine.bootDwell == .seconds(3))
        #expect(configuration.modeMachine.emergencyDwell == .seconds(60))
        #expect(configuration.modeMachine.batteryCriticalSoCPercent == 15)
        #expect(configuration.modeMachine.modeParameterID == ParameterID(0x0500))
    }

    @Test(
        "Bad configurations are rejected with the line and key",
        arguments: [
            ("[[monitor]]\nname = \"a\"\nparameter = \"p\"\nkind = \"limit\"\nalarm_hgh = 3\nalarm_high = 4\n", 5, "alarm_hgh"),
            ("[[monitor]]\nname = \"a\"\nparameter = \"p\"\nkind = \"stale\"\nalarm_high = 4\n", 5, "alarm_high"),
            ("[[monitor]]\nname = \"a\"\nparameter = \"p\"\nkind = \"limit\"\nalarm_low = 5\nalarm_high = 4\n", 1, nil),
            ("[[monitor]]\nname = \"a\"\nparameter = \"p\"\nkind = \"limit\"\nalarm_high = 4\nalarm_event = 0x0401\n", 6, "alarm_event"),
            ("[[monitor]]\nname = \"a b\"\nparameter = \"p\"\nkind = \"limit\"\nalarm_high = 4\n", 2, "name"),
            ("[[event_action]]\nevent = \"x\"\nmonitor = \"m\"\naction = \"crew_alarm\"\n", 1, nil),
            ("[[event_action]]\nmonitor = \"m\"\nstate = \"alarmed\"\naction = \"crew_alarm\"\n", 3, "state"),
            ("[[event_action]]\nevent = \"x\"\naction = \"set_mode\"\nmode = \"NOMINAL\"\n", 4, "mode"),
            ("[mode_machine]\nemergency_dwel = 5\n", 2, "emergency_dwel"),
            ("[fault_management]\ninbox_capacity = 0\n", 2, "inbox_capacity"),
        ] as [(String, Int, String?)])
    func rejected(text: String, line: Int, key: String?) throws {
        let root = try configurationRoot(text)
        #expect {
            _ = try FaultManagementConfiguration(root: root)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == line && error.key == key
        }
    }

    @Test("Names that do not resolve fail the build with a typed error")
    func unresolvedNames() throws {
        func build(_ text: String, catalog: [EventDefinition] = [], hook: Bool = false) throws {
            let pool = ParameterPool()
            try register(pool, 1, "cabin.ppo2_kpa")
            let configuration = try FaultManagementConfiguration(root: configurationRoot(text + "\n[mode_machine]\nbattery_soc_parameter = \"\"\no2_sensor_status_parameter = \"\"\n"))
            _ = try FaultManagement(
                configuration: configuration, pool: pool, router: EventRouter(), catalog: catalog, devices: [],
                actuators: ModeActuators(), channels: [ActuatorChannel(name: "fan", device: nil, safeState: false)],
                recoverDevice: hook ? { _ in } : nil)
        }
        let monitor = "[[monitor]]\nname = \"ppo2\"\nparameter = \"cabin.ppo2_kpa\"\nkind = \"limit\"\nalarm_low = 16\n"
        #expect(throws: FaultManagementError.unknownParameter("cabin.co2_ppm", user: "monitor \"co2\"")) {
            try build("[[monitor]]\nname = \"co2\"\nparameter = \"cabin.co2_ppm\"\nkind = \"limit\"\nalarm_high = 1\n")
        }
        #expect(throws: FaultManagementError.unknownEvent("device_failed", user: "event_action #1")) {
            try build("[[event_action]]\nevent = \"device_failed\"\naction = \"shed_load\"\nchannel = \"fan\"\n")
        }
        #expect(throws: FaultManagementError.unknownChannel("pump", user: "event_action #1")) {
            try build(monitor + "[[event_action]]\nmonitor = \"ppo2\"\naction = \"shed_load\"\nchannel = \"pump\"\n")
        }
        #expect(throws: FaultManagementError.missing("a device recovery hook", user: "event_action #1")) {
            try build(monitor + "[[event_action]]\nmonitor = \"ppo2\"\naction = \"recover_device\"\n")
        }
        #expect(throws: FaultManagementError.missing("scrubber stage channels", user: "event_action #1")) {
            try build(monitor + "[[event_action]]\nmonitor = \"ppo2\"\naction = \"scrubber_max\"\n")
        }
        #expect(throws: FaultManagementError.unknownDevice("cabin-env", user: "event_action #1")) {
            try build(monitor + "[[event_action]]\nmonitor = \"ppo2\"\naction = \"recover_device\"\ndevice = \"cabin-env\"\n", hook: true)
        }
        // The mode machine's names: its section is appended by build(), so check it on its own.
        let pool = ParameterPool()
        #expect(throws: FaultManagementError.unknownParameter("power.battery_soc_pct", user: "mode_machine")) {
            _ = try ModeMachine(
                configuration: ModeMachineConfiguration(), pool: pool, events: EventRouter(), monitors: nil,
                devices: [], actuators: ModeActuators(), safing: SafingRequests())
        }
        var configuration = ModeMachineConfiguration()
        configuration.batterySoCParameter = ""
        configuration.o2SensorStatusParameter = ""
        configuration.emergencyMonitors = ["leak"]
        #expect(throws: FaultManagementError.unknownMonitor("leak", user: "mode_machine")) {
            _ = try ModeMachine(
                configuration: configuration, pool: pool, events: EventRouter(), monitors: nil,
                devices: [], actuators: ModeActuators(), safing: SafingRequests())
        }
        configuration.emergencyMonitors = []
        #expect(throws: FaultManagementError.unknownParameter("dev.cabin-env.health", user: "mode_machine")) {
            _ = try ModeMachine(
                configuration: configuration, pool: pool, events: EventRouter(), monitors: nil,
                devices: ["cabin-env"], actuators: ModeActuators(), safing: SafingRequests())
        }
    }

    @Test("Event definitions stay in their ranges and have unique names")
    func eventDefinitions() {
        let definitions = EventCatalog.all(FaultManagement.eventProviders)
        #expect(Set(definitions.map(\.name)).count == definitions.count)
        #expect(Set(definitions.map(\.id)).count == definitions.count)
        for definition in definitions {
            #expect((0x0400...0x05FF).contains(definition.id.rawValue))
        }
        #expect(MonitorEvents.eventDefinitions.allSatisfy { (0x0400...0x047F).contains($0.id.rawValue) })
        #expect(ModeEvents.eventDefinitions.allSatisfy { (0x0500...0x057F).contains($0.id.rawValue) })
        #expect(EventActionEvents.eventDefinitions.allSatisfy { (0x0580...0x05FF).contains($0.id.rawValue) })
    }
}
