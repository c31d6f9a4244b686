@testable import FlightCore
import HAL
import Testing

@Suite("FaultManagement event-action table")
struct FaultManagementEventActionTests {
    static let deviceFailed = EventID(0x0601)

    func deviceFailed(_ device: Double, at time: MonotonicInstant) -> FlightEvent {
        FlightEvent(id: Self.deviceFailed, severity: .medium, time: time, a: device, count: 1)
    }

    @Test("Enabled entries act in the cycle of the monitor event; disabled ones do not until enabled at run time")
    func enabledAndDisabled() throws {
        let vehicle = try ModeFixture(
            eventActions: """
                [[event_action]]
                monitor = "cabin_temp"
                state = "alarm_high"
                action = "shed_load"
                channel = "payload"

                [[event_action]]
                monitor = "cabin_temp"
                action = "crew_alarm"
                enabled = false

                [[event_action]]
                monitor = "cabin_temp"
                state = "warning"
                action = "scrubber_max"
                """)
        let table = vehicle.fdir.eventActions
        vehicle.run(until: 5)
        vehicle.inputs.temperature = 32
        vehicle.step() // t = 5: warning
        #expect(vehicle.scrubbers.map { $0.requested(by: .safing) } == [true, true])
        #expect(vehicle.scrubbers.map(\.applied) == [true, true])
        #expect(vehicle.payload.requested(by: .safing) == nil)
        vehicle.inputs.temperature = 36
        vehicle.step() // t = 6: alarm
        #expect(vehicle.payload.requested(by: .safing) == false)
        #expect(vehicle.crewAlarm.requested(by: .safing) == nil)
        #expect(table.isEnabled(1) == false)
        try table.setEnabled(entry: 1, true)
        vehicle.inputs.temperature = 32
        vehicle.step() // t = 7: warning again
        vehicle.inputs.temperature = 36
        vehicle.step() // t = 8: alarm again
        #expect(vehicle.crewAlarm.requested(by: .safing) == true)
        #expect(table.executions == [2, 1, 2])
        #expect(vehicle.mode == .nominal) // the temperature monitor is not a mode condition
        #expect(throws: FaultCommandError.unknownEntry(7)) { try table.setEnabled(entry: 7, false) }

        // Reported: entry index, trigger event id, action code.
        let executed = vehicle.recorder.events.filter { $0.id == EventActionEvents.executed }
        #expect(executed.map(\.argumentList) == [[2, 0x0402, 3], [0, 0x0403, 2], [2, 0x0402, 3], [0, 0x0403, 2], [1, 0x0403, 4]])

        // Latches survive mode changes and are released by command.
        try vehicle.command(.safe)
        try vehicle.command(.nominal)
        #expect(vehicle.payload.requested(by: .safing) == false)
        #expect(vehicle.crewAlarm.requested(by: .safing) == true)
        vehicle.fdir.safing.releaseLatches()
        #expect(vehicle.safingRequests == [nil, nil, nil, nil, nil, nil, nil])
    }

    @Test("Power cycle: off for exactly the off time, then back to its previous state; a retrigger is ignored")
    func powerCycleTiming() throws {
        let vehicle = try ModeFixture(
            eventActions: """
                [[event_action]]
                event = "device_failed"
                argument = 1
                action = "power_cycle"
                channel = "co2-b-power"
                off_time = "3s"
                """)
        vehicle.run(until: 10)
        #expect(vehicle.sensorSwitch.commands == [true]) // safe state applied at start
        vehicle.router.raise(deviceFailed(0, at: vehicle.driver.now)) // another device: no match
        vehicle.router.raise(deviceFailed(1, at: vehicle.driver.now))
        vehicle.step() // t = 10
        #expect(vehicle.sensorPower.requested(by: .safing) == false)
        #expect(vehicle.sensorSwitch.commands == [true, false])
        #expect(vehicle.fdir.eventActions.isSequenceRunning(0))
        vehicle.router.raise(deviceFailed(1, at: vehicle.driver.now))
        vehicle.step() // t = 11: retrigger ignored
        vehicle.step() // t = 12
        #expect(vehicle.sensorPower.applied == false)
        vehicle.step() // t = 13: 3 s after switching off
        #expect(vehicle.sensorPower.requested(by: .safing) == nil)
        #expect(vehicle.sensorSwitch.commands == [true, false, true])
        #expect(vehicle.sensorPower.lastChange == MonotonicInstant(nanoseconds: 13_000_000_000))
        #expect(!vehicle.fdir.eventActions.isSequenceRunning(0))
        let complete = try #require(vehicle.recorder.last(EventActionEvents.powerCycleComplete))
        #expect(complete.argumentList == [0, 3])
        #expect(complete.time.seconds == 13)
        #expect(vehicle.recorder.count(EventActionEvents.retriggerIgnored) == 1)
        #expect(vehicle.fdir.eventActions.executions == [1])
    }

    @Test("Power cycle over a mode request: the switch returns to what the other layers ask")
    func powerCycleRestoresLayers() throws {
        let vehicle = try ModeFixture(
            eventActions: """
                [[event_action]]
                event = "device_failed"
                action = "shed_load"
                channel = "co2-b-power"

                [[event_action]]
                event = "device_failed"
                action = "power_cycle"
                channel = "co2-b-power"
                off_time = 2
                """)
        vehicle.run(until: 5)
        vehicle.router.raise(deviceFailed(1, at: vehicle.driver.now))
        vehicle.step()
        #expect(vehicle.sensorPower.requested(by: .safing) == false)
        vehicle.run(until: 8)
        #expect(vehicle.sensorPower.requested(by: .safing) == false) // the shed latch remains after the cycle
        vehicle.fdir.safing.releaseLatch(channel: "co2-b-power")
        #expect(vehicle.sensorPower.requested(by: .safing) == nil)
    }

    @Test("Recover device: with the device from the event argument or from the entry")
    func recoverDevice() throws {
        let vehicle = try ModeFixture(
            eventActions: """
                [[event_action]]
                event = "device_failed"
                action = "recover_device"

                [[event_action]]
                event = 0x0601
                action = "recover_device"
                device = "cabin-env"
                """)
        vehicle.run(until: 4)
        vehicle.router.raise(deviceFailed(1, at: vehicle.driver.now))
        vehicle.step()
        #expect(vehicle.recovery.devices == [1, 0])
    }

    @Test("Set mode from a device event in the same cycle; events raised after the drain are acted on next cycle")
    func setModeSameCycle() throws {
        let vehicle = try ModeFixture(
            eventActions: """
                [[event_action]]
                event = "device_failed"
                argument = 0
                action = "set_mode"
                mode = "SAFE"
                """)
        vehicle.run(until: 10)
        vehicle.router.raise(deviceFailed(0, at: vehicle.driver.now))
        vehicle.step() // t = 10
        #expect(vehicle.mode == .safe)
        #expect(vehicle.transitions.last == [1, 3, Double(ModeReason.eventAction.rawValue), 0])
        #expect(vehicle.payload.applied == false)

        let late = try ModeFixture(
            eventActions: """
                [[event_action]]
                event = "device_failed"
                action = "set_mode"
                mode = "EMERGENCY"
                """)
        late.run(until: 10)
        late.driver.cycle(after: { late.router.raise(self.deviceFailed(1, at: $0)) }) // raised after the members of t = 10
        #expect(late.mode == .nominal)
        late.step() // t = 11
        #expect(late.mode == .emergency)
    }

    @Test("An inbox overflow is reported once per cycle with the total dropped")
    func inboxOverflow() throws {
        let vehicle = try ModeFixture()
        vehicle.run(until: 4)
        for _ in 0..<40 { vehicle.router.raise(deviceFailed(1, at: vehicle.driver.now)) }
        vehicle.step()
        let overflow = try #require(vehicle.recorder.last(EventActionEvents.inboxOverflow))
        // Capacity 32; mode_nominal of t = 3 (raised after that cycle's drain) still queued: 31 fit, 9 dropped.
        #expect(overflow.argumentList == [9])
        #expect(vehicle.recorder.count(EventActionEvents.inboxOverflow) == 1)
        vehicle.step()
        #expect(vehicle.recorder.count(EventActionEvents.inboxOverflow) == 1)
    }
}
