@testable import FlightCore
import HAL
import Testing

@Suite("FaultManagement monitors")
struct FaultManagementMonitorTests {
    struct Fixture {
        let pool = ParameterPool()
        let recorder = EventRecorder()
        let bank: MonitorBank
        let driver: CycleDriver
        let value: ParameterHandle

        init(_ monitor: MonitorConfiguration) throws {
            value = try register(pool, 0x0100, monitor.parameter)
            bank = try MonitorBank(configurations: [monitor], pool: pool, events: recorder)
            driver = CycleDriver(members: [bank.member(period: .seconds(1))])
        }

        /// Runs one cycle with `value` written before the monitors (nil: not written).
        func step(_ sample: Double?) {
            driver.cycle(before: { time in if let sample { pool.set(value, sample, at: time) } })
        }

        var state: MonitorState { bank.state(0) }
        var stateParameter: Double? { pool.value(bank.stateHandles[0]) }
        /// (cycle, event id, state argument) of every monitor event.
        var transitions: [(Int, UInt16, UInt8)] {
            recorder.events.map { (Int($0.time.seconds), $0.id.rawValue, UInt8($0.arguments.3)) }
        }
    }

    @Test("Limit check: persistence, reset by an agreeing check, every level, back to nominal; one event per change")
    func limitCheck() throws {
        let fixture = try Fixture(
            MonitorConfiguration(
                name: "ppo2", parameter: "cabin.ppo2_kpa",
                kind: .limit(MonitorLevels(alarmLow: 16, warningLow: 18, warningHigh: 23.5, alarmHigh: 25)), persistence: 3))
        let script: [Double] = [21, 21, 21, 17.5, 21, 17.5, 17.5, 17.5, 15, 15, 15, 26, 26, 26, 24, 24, 24, 20, 20, 20]
        let expected: [MonitorState] = [
            .unchecked, .unchecked, .nominal, .nominal, .nominal, .nominal, .nominal, .warningLow,
            .warningLow, .warningLow, .alarmLow, .alarmLow, .alarmLow, .alarmHigh,
            .alarmHigh, .alarmHigh, .warningHigh, .warningHigh, .warningHigh, .nominal,
        ]
        for (cycle, value) in script.enumerated() {
            fixture.step(value)
            #expect(fixture.state == expected[cycle], "cycle \(cycle)")
            #expect(fixture.stateParameter == Double(expected[cycle].rawValue), "cycle \(cycle)")
        }
        let transitions = fixture.transitions
        #expect(transitions.map(\.0) == [2, 7, 10, 13, 16, 19])
        #expect(transitions.map(\.1) == [0x0401, 0x0402, 0x0403, 0x0403, 0x0402, 0x0401])
        #expect(transitions.map(\.2) == [1, 2, 4, 5, 3, 1])
        // Arguments: monitor index, value, limit violated (nominal: the limit last violated).
        let events = fixture.recorder.events
        #expect(events[1].argumentList == [0, 17.5, 18, 2])
        #expect(events[2].argumentList == [0, 15, 16, 4])
        #expect(events[3].argumentList == [0, 26, 25, 5])
        #expect(events[4].argumentList == [0, 24, 23.5, 3])
        #expect(events[5].argumentList == [0, 20, 23.5, 1])
        #expect(events[2].severity == .high)
    }

    @Test("Invalid and stale validity are states of their own")
    func invalidAndStaleValidity() throws {
        let fixture = try Fixture(
            MonitorConfiguration(
                name: "co2", parameter: "cabin.co2_ppm",
                kind: .limit(MonitorLevels(alarmHigh: 5000)), persistence: 2))
        fixture.step(800)
        fixture.step(800)
        #expect(fixture.state == .nominal)
        fixture.driver.cycle(before: { fixture.pool.invalidate(fixture.value, at: $0) })
        #expect(fixture.state == .nominal)
        fixture.driver.cycle(before: { fixture.pool.invalidate(fixture.value, at: $0) })
        #expect(fixture.state == .invalid)
        fixture.driver.cycle(before: {
            fixture.pool.set(fixture.value, 800, at: $0); fixture.pool.markStale(fixture.value)
        })
        fixture.driver.cycle(before: {
            fixture.pool.set(fixture.value, 800, at: $0); fixture.pool.markStale(fixture.value)
        })
        #expect(fixture.state == .stale)
        fixture.step(800)
        fixture.step(800)
        #expect(fixture.state == .nominal)
        #expect(fixture.transitions.map(\.1) == [0x0401, 0x0406, 0x0405, 0x0401])
        #expect(fixture.transitions.map(\.0) == [1, 3, 5, 7])
    }

    @Test("A parameter never set leaves a limit monitor unchecked")
    func unsetStaysUnchecked() throws {
        let fixture = try Fixture(
            MonitorConfiguration(
                name: "co2", parameter: "cabin.co2_ppm",
                kind: .limit(MonitorLevels(alarmHigh: 5000))))
        for _ in 0..<5 { fixture.step(nil) }
        #expect(fixture.state == .unchecked)
        #expect(fixture.recorder.events.isEmpty)
    }

    @Test("Expected-value check with a mask: unexpected after persistence, back to nominal")
    func expectedValue() throws {
        let fixture = try Fixture(
            MonitorConfiguration(
                name: "status", parameter: "dev.pump.status",
                kind: .expectedValue(expected: 1, mask: 0b11), persistence: 2))
        // 5 = 0b101: masked 0b01, as expected. 3 = 0b11: unexpected.
        let script: [Double] = [1, 1, 5, 3, 3, 1, 1]
        let expected: [MonitorState] = [.unchecked, .nominal, .nominal, .nominal, .unexpected, .unexpected, .nominal]
        for (cycle, value) in script.enumerated() {
            fixture.step(value)
            #expect(fixture.state == expected[cycle], "cycle \(cycle)")
        }
        #expect(fixture.transitions.map(\.1) == [0x0401, 0x0404, 0x0401])
        #expect(fixture.recorder.events[1].argumentList == [0, 3, 1, 6])
    }

    @Test("Expected-value check without a mask compares exactly")
    func expectedValueExact() throws {
        let fixture = try Fixture(
            MonitorConfiguration(
                name: "o2s", parameter: "ls.o2_sensor_status",
                kind: .expectedValue(expected: 0, mask: nil)))
        fixture.step(0)
        #expect(fixture.state == .nominal)
        fixture.step(2)
        #expect(fixture.state == .unexpected)
    }

    @Test("Rate of change: a scripted cabin leak of −120 Pa/min against −30/−50 Pa/min over 60 s")
    func leakDetection() throws {
        let fixture = try Fixture(
            MonitorConfiguration(
                name: "leak", parameter: "cabin.pressure_pa",
                kind: .rateOfChange(MonitorLevels(alarmLow: -50, warningLow: -30), window: .seconds(60), per: .seconds(60)),
                persistence: 2))
        // 101325 Pa until cycle 100, then −2 Pa/s (−120 Pa/min) until cycle 150, then constant 101225 Pa.
        func pressure(_ cycle: Int) -> Double {
            if cycle < 100 { return 101_325 }
            if cycle < 150 { return 101_325 - 2 * Double(cycle - 100) }
            return 101_225
        }
        var stateAt: [MonitorState] = []
        for cycle in 0...220 {
            fixture.step(pressure(cycle))
            stateAt.append(fixture.state)
        }
        // The window holds 61 samples (cycles 0…60): the first rate is at cycle 60, nominal after 2 checks.
        #expect(stateAt[59] == .unchecked)
        #expect(stateAt[60] == .unchecked)
        #expect(stateAt[61] == .nominal)
        // Rate at cycle c (100 ≤ c ≤ 150) is −2·(c−100) Pa/min: below −30 from c = 116, below −50 from c = 126.
        #expect(stateAt[116] == .nominal)
        #expect(stateAt[117] == .warningLow)
        #expect(stateAt[126] == .warningLow)
        #expect(stateAt[127] == .alarmLow)
        // After the leak stops the window still spans the drop: rate −100 + 2·(c−160) from c = 160;
        // −50 (not below the alarm) at c = 185, −30 (not below the warning) at c = 195.
        #expect(stateAt[185] == .alarmLow)
        #expect(stateAt[186] == .warningLow)
        #expect(stateAt[195] == .warningLow)
        #expect(stateAt[196] == .nominal)
        let transitions = fixture.transitions
        #expect(transitions.map(\.0) == [61, 117, 127, 186, 196])
        #expect(transitions.map(\.1) == [0x0401, 0x0402, 0x0403, 0x0402, 0x0401])
        #expect(fixture.recorder.events[1].argumentList == [0, -34, -30, 2])
        #expect(fixture.recorder.events[2].argumentList == [0, -54, -50, 4])
        #expect(fixture.recorder.events[3].argumentList == [0, -48, -30, 2])
        #expect(fixture.recorder.events[4].argumentList == [0, -28, -30, 1])
    }

    @Test("Staleness: no new sample for the persistence count of periods, invalid, marked stale, recovery")
    func staleness() throws {
        let fixture = try Fixture(MonitorConfiguration(name: "co2_fresh", parameter: "cabin.co2_ppm", kind: .staleness, persistence: 3))
        // A stale monitor's persistence counts checks without a new sample; its result is taken at
        // once (a fresh sample is nominal at once; invalid and sampler-marked stale too, since the
        // sampler already applied its own threshold).
        for _ in 0...4 { fixture.step(800) } // cycles 0–4: fresh; nominal at cycle 0
        for _ in 5...7 { fixture.step(nil) } // cycles 5–7: no sample; stale at cycle 7
        #expect(fixture.state == .stale)
        for _ in 8...10 { fixture.step(810) } // nominal again at cycle 8
        for _ in 11...13 { fixture.driver.cycle(before: { fixture.pool.invalidate(fixture.value, at: $0) }) }
        #expect(fixture.state == .invalid)
        for _ in 14...16 {
            fixture.driver.cycle(before: {
                fixture.pool.set(fixture.value, 800, at: $0); fixture.pool.markStale(fixture.value)
            })
        }
        #expect(fixture.state == .stale)
        let transitions = fixture.transitions
        #expect(transitions.map(\.0) == [0, 7, 8, 11, 14])
        #expect(transitions.map(\.1) == [0x0401, 0x0405, 0x0401, 0x0406, 0x0405])
        // The stale event carries the sample's age (last sample at t = 4 s, checked at t = 7 s) and the period count.
        #expect(fixture.recorder.events[1].argumentList == [0, 3, 3, 7])
    }

    @Test("Staleness: a parameter never set becomes stale after the persistence count")
    func neverSetIsStale() throws {
        let fixture = try Fixture(MonitorConfiguration(name: "fresh", parameter: "cabin.co2_ppm", kind: .staleness, persistence: 3))
        fixture.step(nil)
        fixture.step(nil)
        #expect(fixture.state == .unchecked)
        fixture.step(nil)
        #expect(fixture.state == .stale)
    }

    @Test("Disable at run time: unchecked, no events while disabled; enable: unchecked until persistence")
    func enableDisable() throws {
        let fixture = try Fixture(
            MonitorConfiguration(
                name: "co2", parameter: "cabin.co2_ppm",
                kind: .limit(MonitorLevels(alarmHigh: 5000)), persistence: 2))
        fixture.step(800)
        fixture.step(800) // nominal at cycle 1
        try fixture.bank.setEnabled(monitor: 0, false)
        #expect(fixture.bank.isEnabled(0) == false)
        fixture.step(9000) // cycle 2: disabled
        #expect(fixture.state == .unchecked)
        #expect(fixture.stateParameter == 0)
        for _ in 3...6 { fixture.step(9000) }
        #expect(fixture.state == .unchecked)
        try fixture.bank.setEnabled(monitor: 0, true)
        fixture.step(9000) // cycle 7: enabled, first check
        #expect(fixture.state == .unchecked)
        fixture.step(9000) // cycle 8: alarm
        #expect(fixture.state == .alarmHigh)
        #expect(fixture.transitions.map(\.1) == [0x0401, 0x0407, 0x0408, 0x0403])
        #expect(fixture.transitions.map(\.0) == [1, 2, 7, 8])
        #expect(throws: FaultCommandError.unknownMonitor(3)) { try fixture.bank.setEnabled(monitor: 3, true) }
    }

    @Test("Configured per-monitor event IDs replace the generic warning and alarm events")
    func configuredEventIDs() throws {
        let fixture = try Fixture(
            MonitorConfiguration(
                name: "co2", parameter: "cabin.co2_ppm",
                kind: .limit(MonitorLevels(warningHigh: 3000, alarmHigh: 5000)),
                warningEvent: EventID(0x0490), alarmEvent: EventID(0x0491)))
        fixture.step(800)
        fixture.step(4000)
        fixture.step(6000)
        #expect(fixture.transitions.map(\.1) == [0x0401, 0x0490, 0x0491])
        #expect(fixture.bank.configuredEventDefinitions.map(\.name) == ["co2_warning", "co2_alarm"])
    }

    @Test("A monitor in a faster group runs only in that group's member, with its global index")
    func groups() throws {
        let pool = ParameterPool()
        let recorder = EventRecorder()
        let slowValue = try register(pool, 0x0100, "a")
        let fastValue = try register(pool, 0x0101, "b")
        let bank = try MonitorBank(
            configurations: [
                MonitorConfiguration(name: "slow", parameter: "a", kind: .limit(MonitorLevels(alarmHigh: 1))),
                MonitorConfiguration(name: "fast", parameter: "b", kind: .limit(MonitorLevels(alarmHigh: 1)), group: "fast"),
            ], pool: pool, events: recorder)
        #expect(bank.groups == ["fast", "mon"])
        let fast = bank.member(group: "fast", period: .milliseconds(100))
        #expect(fast.indices == [1])
        pool.set(slowValue, 5, at: .zero)
        pool.set(fastValue, 5, at: .zero)
        fast.run(CycleContext(time: .zero, period: .milliseconds(100), index: 0))
        #expect(bank.state(0) == .unchecked)
        #expect(bank.state(1) == .alarmHigh)
        #expect(recorder.events.map(\.arguments.0) == [1])
        #expect(try pool.handle(named: "mon.fast.state").id == ParameterID(0x0401))
    }

    @Test("The event router logs every event and queues what fits; no event is lost silently")
    func router() {
        let log = EventRecorder()
        let router = EventRouter(inboxCapacity: 3, downstream: [log])
        for index in 0..<5 {
            router.raise(FlightEvent(id: EventID(UInt16(0x0600 + index)), severity: .low, time: .zero, count: 0))
        }
        #expect(log.events.count == 5)
        #expect(router.pendingCount == 3)
        #expect(router.droppedCount == 2)
        #expect(router.next()?.id == EventID(0x0600))
        router.raise(FlightEvent(id: EventID(0x0700), severity: .low, time: .zero, count: 0))
        #expect([router.next(), router.next(), router.next(), router.next()].map { $0?.id.rawValue } == [0x0601, 0x0602, 0x0700, nil])
    }
}
