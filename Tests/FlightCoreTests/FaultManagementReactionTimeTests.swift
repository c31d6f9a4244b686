@testable import FlightCore
import HAL
import Testing

/// Requirement: from the first out-of-limit sample to the safing action at most persistence + 1
/// cycles of the monitoring group (cycles k … k + persistence), with the members ordered
/// monitors → event-action → mode machine → output stage in one 1 Hz group.
@Suite("FaultManagement reaction time")
struct FaultManagementReactionTimeTests {
    final class Vehicle {
        let pool = ParameterPool()
        let router = EventRouter(inboxCapacity: 16)
        let fdir: FaultManagement
        let driver: CycleDriver
        let ppo2: ParameterHandle
        let alarmDevice = RecordingActuator(name: "crew-alarm", safeState: false)
        let crewAlarm: ActuatorChannel
        let payload = ActuatorChannel(name: "payload", device: nil, safeState: false)
        let experiment = ActuatorChannel(name: "experiment", device: nil, safeState: true)

        init() throws {
            ppo2 = try register(pool, 0x0201, "cabin.ppo2_kpa")
            crewAlarm = ActuatorChannel(name: "crew-alarm", device: alarmDevice, safeState: false)
            let configuration = try FaultManagementConfiguration(
                root: configurationRoot(
                    """
                    [[monitor]]
                    name = "ppo2"
                    parameter = "cabin.ppo2_kpa"
                    kind = "limit"
                    alarm_low = 16.0
                    persistence = 3

                    [[event_action]]
                    monitor = "ppo2"
                    state = "alarm_low"
                    action = "shed_load"
                    channel = "experiment"

                    [mode_machine]
                    battery_soc_parameter = ""
                    o2_sensor_status_parameter = ""
                    emergency_monitors = ["ppo2"]
                    boot_dwell = 0
                    """))
            let channels = [crewAlarm, payload, experiment]
            fdir = try FaultManagement(
                configuration: configuration, pool: pool, router: router, catalog: [], devices: [],
                actuators: ModeActuators(crewAlarm: crewAlarm, payload: [payload]), channels: channels)
            driver = CycleDriver(members: fdir.monitoringMembers(period: .seconds(1)) + [OutputStage(channels)])
        }
    }

    static let k = 10

    @Test("Sample in the pool before the monitors of cycle k: crew alarm commanded at cycle k + 2 (persistence 3)")
    func sampleBeforeMonitors() throws {
        let vehicle = try Vehicle()
        var alarmRequested: [Int: Bool?] = [:]
        var experimentRequested: [Int: Bool?] = [:]
        for cycle in 0...(Self.k + 5) {
            let value = cycle >= Self.k ? 14.0 : 21.0
            vehicle.driver.cycle(before: { vehicle.pool.set(vehicle.ppo2, value, at: $0) })
            alarmRequested[cycle] = vehicle.crewAlarm.requested(by: .safing)
            experimentRequested[cycle] = vehicle.experiment.requested(by: .safing)
        }
        #expect(vehicle.fdir.modeMachine.mode == .emergency)
        #expect(alarmRequested[Self.k + 1]! == nil)
        #expect(alarmRequested[Self.k + 2]! == true) // the third check: k + persistence − 1
        #expect(experimentRequested[Self.k + 1]! == nil)
        #expect(experimentRequested[Self.k + 2]! == false)
        // The output stage of the same cycle drove the device: one command at t = k + 2.
        #expect(vehicle.alarmDevice.commands == [false, true])
        #expect(vehicle.crewAlarm.lastChange.seconds == Double(Self.k + 2))
    }

    @Test("Sample landing after the monitors of cycle k (worst case): safing at cycle k + 3 = k + persistence")
    func sampleAfterMonitors() throws {
        let vehicle = try Vehicle()
        var alarmRequested: [Int: Bool?] = [:]
        for cycle in 0...(Self.k + 5) {
            let value = cycle >= Self.k ? 14.0 : 21.0
            // The sampler runs in another group after this one: cycle k's monitors still see the old value.
            vehicle.driver.cycle(after: { vehicle.pool.set(vehicle.ppo2, value, at: $0) })
            alarmRequested[cycle] = vehicle.crewAlarm.requested(by: .safing)
        }
        #expect(alarmRequested[Self.k + 2]! == nil)
        #expect(alarmRequested[Self.k + 3]! == true)
        #expect(vehicle.crewAlarm.lastChange.seconds == Double(Self.k + 3))
        #expect(vehicle.alarmDevice.commands == [false, true])
    }
}
