@testable import FlightCore
import HAL
import Testing

@Suite("Life support: oxygen")
struct LifeSupportOxygenTests {
    @Test("valve opens below the low limit, closes above the high limit, holds in between")
    func hysteresisBand() throws {
        let rig = try LifeSupportRig()
        // Defaults: open below 20.0 kPa, close above 21.5 kPa.
        let trajectory: [(cycles: Int, ppo2: Double, open: Bool)] = [
            (50, 21.0, false), // in band, closed
            (50, 20.05, false), // just above the low limit: stays closed
            (50, 19.95, true), // below: opens
            (50, 20.5, true), // back in band: stays open
            (50, 21.45, true), // just below the high limit: stays open
            (50, 21.55, false), // above: closes
            (50, 20.5, false), // in band: stays closed
        ]
        var index = 0
        var transitions = 0
        var previous = false
        for segment in trajectory {
            for _ in 0..<segment.cycles {
                rig.set("dev.o2-a.ppo2_kpa", segment.ppo2, at: index)
                rig.set("dev.o2-b.ppo2_kpa", segment.ppo2, at: index)
                rig.step(index)
                let open = rig.oxygenValve.demanded
                #expect(open == segment.open, "cycle \(index), ppO2 \(segment.ppo2)")
                if open != previous { transitions += 1 }
                previous = open
                index += 1
            }
        }
        #expect(transitions == 2)
        // The first output stage establishes the closed state, then one open and one close.
        #expect(rig.valve.commands == [false, true, false])
    }

    @Test("minimum on-time 2 s and off-time 5 s bound the valve's cycling")
    func minimumTimes() throws {
        let rig = try LifeSupportRig()
        // ppO2 a square wave: 19.0 kPa for 0.5 s, 22.0 kPa for 0.5 s, for 60 s. Without minimum
        // times the valve would change 120 times. By hand: open at 0 s; may close from 2.0 s, but
        // 2.0 s is a low half → closes at 2.5 s; may open from 7.5 s (a high half) → opens at
        // 8.0 s; a period of 8 s: opens at 0, 8, …, 56 s, closes at 2.5, 10.5, …, 58.5 s.
        var opens: [Int] = []
        var closes: [Int] = []
        var previous = false
        for index in 0..<600 {
            let ppo2 = index % 10 < 5 ? 19.0 : 22.0
            rig.set("dev.o2-a.ppo2_kpa", ppo2, at: index)
            rig.set("dev.o2-b.ppo2_kpa", ppo2, at: index)
            rig.step(index)
            let open = rig.oxygenValve.demanded
            if open, !previous { opens.append(index) }
            if !open, previous { closes.append(index) }
            previous = open
        }
        #expect(opens == [0, 80, 160, 240, 320, 400, 480, 560])
        #expect(closes == [25, 105, 185, 265, 345, 425, 505, 585])
        #expect(rig.valve.commands.count == 16)
    }

    @Test("vote: agreeing sensors give their mean, status nominal")
    func voteAgree() throws {
        var vote = OxygenSensorVote(agreementKPa: 1.0, plausibleKPa: 10...35)
        let outcome = vote.vote(21.0, 21.4)
        #expect(outcome.status == .nominal)
        #expect(abs((outcome.value ?? 0) - 21.2) < 1e-12)
        #expect(outcome.source == .mean)
    }

    @Test("vote: disagreeing sensors — the one nearer the last vote, or the plausible one")
    func voteDisagree() throws {
        var vote = OxygenSensorVote(agreementKPa: 1.0, plausibleKPa: 10...35)
        _ = vote.vote(21.0, 21.2) // last voted 21.1
        var outcome = vote.vote(23.5, 21.3)
        #expect(outcome.status == .disagreement)
        #expect(outcome.value == 21.3)
        #expect(outcome.source == .sensorB)
        // Both far from the last vote, only A plausible: A.
        outcome = vote.vote(30.0, 40.0)
        #expect(outcome.value == 30.0)
        #expect(outcome.source == .sensorA)
        // No history: the one nearer the middle of the plausibility window (22.5 kPa).
        var fresh = OxygenSensorVote(agreementKPa: 1.0, plausibleKPa: 10...35)
        #expect(fresh.vote(21.0, 26.0).value == 21.0)
    }

    @Test("controller: disagreement is flagged once with both readings and the choice")
    func disagreementEvent() throws {
        let rig = try LifeSupportRig()
        rig.step(0) // both 21.0
        rig.set("dev.o2-a.ppo2_kpa", 24.5, at: 1)
        rig.set("dev.o2-b.ppo2_kpa", 21.1, at: 1)
        for index in 1...10 { rig.step(index) }
        #expect(rig.value("ls.ppo2_kpa") == 21.1)
        #expect(rig.value("ls.o2_sensor_status") == 1)
        let events = rig.events.with(LifeSupportEvents.o2SensorsDisagree)
        #expect(events.count == 1)
        #expect(events.first?.argumentList == [24.5, 21.1, 2])
        #expect(events.first?.severity == .low)
    }

    @Test("one sensor invalid: the other alone, status DEGRADED and an event")
    func oneInvalid() throws {
        let rig = try LifeSupportRig()
        rig.step(0)
        rig.set("dev.o2-a.ppo2_kpa", 20.8, at: 1)
        rig.invalidate("dev.o2-b.ppo2_kpa", at: 1)
        rig.step(1)
        rig.step(2)
        #expect(rig.value("ls.ppo2_kpa") == 20.8)
        #expect(rig.value("ls.o2_sensor_status") == Double(OxygenSensorVote.Status.degraded.rawValue))
        let events = rig.events.with(LifeSupportEvents.o2SensorDegraded)
        #expect(events.count == 1)
        #expect(events.first?.argumentList == [2, 20.8])
        #expect(events.first?.severity == .medium)
        // B back and agreeing: nominal again.
        rig.set("dev.o2-b.ppo2_kpa", 20.6, at: 3)
        rig.step(3)
        #expect(rig.value("ls.o2_sensor_status") == 0)
        #expect(rig.events.with(LifeSupportEvents.o2SensorsNominal).count == 1)
    }

    @Test("both sensors invalid: ALARM, ppO2 invalid, valve closed at once even within its minimum on-time")
    func bothInvalid() throws {
        let rig = try LifeSupportRig()
        rig.set("dev.o2-a.ppo2_kpa", 19.5, at: 0)
        rig.set("dev.o2-b.ppo2_kpa", 19.5, at: 0)
        rig.step(0)
        #expect(rig.oxygenValve.demanded == true)
        rig.invalidate("dev.o2-a.ppo2_kpa", at: 5)
        rig.invalidate("dev.o2-b.ppo2_kpa", at: 5)
        rig.step(5) // 0.5 s after opening: inside the 2 s minimum on-time
        #expect(rig.oxygenValve.requested(by: .controller) == false)
        #expect(rig.oxygenValve.applied == false)
        #expect(rig.value("ls.ppo2_kpa") == nil)
        #expect(rig.pool[rig.handle("ls.ppo2_kpa")].validity == .invalid)
        #expect(rig.value("ls.o2_sensor_status") == Double(OxygenSensorVote.Status.failed.rawValue))
        let alarms = rig.events.with(LifeSupportEvents.o2SensorsFailed)
        #expect(alarms.count == 1)
        #expect(alarms.first?.severity == .high)
        #expect(alarms.first?.argumentList == [19.5])
        // Stays closed however long it lasts.
        for index in 6..<200 { rig.step(index) }
        #expect(rig.valve.commands == [true, false])
        #expect(rig.events.with(LifeSupportEvents.o2SensorsFailed).count == 1)
    }

    @Test("oxygen fraction from ppO2 and cabin pressure")
    func oxygenFraction() throws {
        let rig = try LifeSupportRig()
        rig.set("dev.o2-a.ppo2_kpa", 21.2, at: 0)
        rig.set("dev.o2-b.ppo2_kpa", 21.2, at: 0)
        rig.set("dev.cabin-env.pressure_pa", 100_000, at: 0)
        rig.step(0)
        // 21.2 kPa / 100 kPa = 21.2 %.
        #expect(abs((rig.value("ls.o2_fraction_pct") ?? 0) - 21.2) < 1e-9)
        #expect(rig.value("ls.cabin_pressure_kpa") == 100)
        #expect(rig.value("ls.cabin_humidity_pct") == 45)
    }
}

@Suite("Life support: CO2 scrubber")
struct LifeSupportScrubberTests {
    @Test("stages up and down with hysteresis on ppCO2, one fan channel per stage, warning and alarm with hysteresis")
    func staging() throws {
        let rig = try LifeSupportRig()
        let fanLow = rig.channels[1]
        let fanHigh = rig.channels[2]
        // At a cabin pressure of 100 kPa, 1000 ppm is a ppCO2 of 0.1 kPa. Defaults (NASA-STD-3001
        // V2 6004, 3 mmHg = 0.40 kPa): stage 1 on > 0.20 kPa, off < 0.13; stage 2 on > 0.30, off
        // < 0.22; warning > 0.33, cleared < 0.30; alarm > 0.40, cleared < 0.37.
        rig.set("dev.cabin-env.pressure_pa", 100_000, at: 0)
        // (CO2 ppm, expected stage, fan low, fan high, warning, alarm)
        let script: [(Double, Int, Bool, Bool, Bool, Bool)] = [
            (1000, 0, false, false, false, false),
            (1990, 0, false, false, false, false),
            (2100, 1, true, false, false, false),
            (2900, 1, true, false, false, false),
            (3100, 2, false, true, false, false),
            (3400, 2, false, true, true, false),
            (4100, 2, false, true, true, true),
            (3800, 2, false, true, true, true),
            (3600, 2, false, true, true, false),
            (3100, 2, false, true, true, false),
            (2900, 2, false, true, false, false),
            (2100, 1, true, false, false, false),
            (1500, 1, true, false, false, false),
            (1200, 0, false, false, false, false),
            (3200, 2, false, true, false, false), // a jump crosses both stages at once
        ]
        for (index, row) in script.enumerated() {
            rig.set("dev.cabin-co2.co2_ppm", row.0, at: index)
            rig.step(index)
            #expect(abs((rig.value("ls.ppco2_kpa") ?? .nan) - row.0 / 10_000) < 1e-9, "CO2 \(row.0)")
            #expect(rig.value("ls.scrubber_stage") == Double(row.1), "CO2 \(row.0)")
            #expect(fanLow.demanded == row.2, "CO2 \(row.0)")
            #expect(fanHigh.demanded == row.3, "CO2 \(row.0)")
            #expect(rig.value("ls.co2_warning") == (row.4 ? 1 : 0), "CO2 \(row.0)")
            #expect(rig.value("ls.co2_alarm") == (row.5 ? 1 : 0), "CO2 \(row.0)")
        }
        let changes = rig.events.with(LifeSupportEvents.scrubberStageChanged).map { [$0.arguments.0, $0.arguments.1] }
        #expect(changes == [[0, 1], [1, 2], [2, 1], [1, 0], [0, 2]])
        func arguments(_ id: EventID) -> [[Double]] {
            rig.events.with(id).map { $0.argumentList.map { ($0 * 1e6).rounded() / 1e6 } }
        }
        #expect(arguments(LifeSupportEvents.co2Warning) == [[0.34, 0.33]])
        #expect(arguments(LifeSupportEvents.co2WarningCleared) == [[0.29, 0.30]])
        #expect(arguments(LifeSupportEvents.co2Alarm) == [[0.41, 0.40]])
        #expect(arguments(LifeSupportEvents.co2AlarmCleared) == [[0.36, 0.37]])
        #expect(rig.events.with(LifeSupportEvents.co2Warning).map(\.severity) == [.medium])
        #expect(rig.events.with(LifeSupportEvents.co2Alarm).map(\.severity) == [.high])
    }

    @Test("ppCO2 is the CO2 fraction times the cabin pressure; the last valid pressure stands in for an invalid one")
    func partialPressure() throws {
        let rig = try LifeSupportRig()
        // 4000 ppm in a cabin at 70 kPa: 0.28 kPa (2.1 mmHg) — below the alarm that 4000 ppm
        // would raise at sea level (0.405 kPa).
        rig.set("dev.cabin-env.pressure_pa", 70_000, at: 0)
        rig.set("dev.cabin-co2.co2_ppm", 4000, at: 0)
        rig.step(0)
        #expect(abs((rig.value("ls.ppco2_kpa") ?? .nan) - 0.28) < 1e-9)
        #expect(rig.value("ls.scrubber_stage") == 1)
        #expect(rig.value("ls.co2_alarm") == 0)
        rig.set("dev.cabin-env.pressure_pa", 101_325, at: 1)
        rig.step(1)
        #expect(abs((rig.value("ls.ppco2_kpa") ?? .nan) - 0.4053) < 1e-9)
        #expect(rig.value("ls.co2_alarm") == 1)
        // The pressure sensor fails: ppCO2 from the last valid pressure.
        rig.invalidate("dev.cabin-env.pressure_pa", at: 2)
        rig.set("dev.cabin-co2.co2_ppm", 2000, at: 2)
        rig.step(2)
        #expect(abs((rig.value("ls.ppco2_kpa") ?? .nan) - 0.20265) < 1e-9)
        #expect(rig.events.with(LifeSupportEvents.inputInvalid).map(\.argumentList) == [[3]])
    }

    @Test("no valid cabin pressure yet: ppCO2 invalid, scrubber at its highest stage")
    func noPressureYet() throws {
        let fresh = try LifeSupportRig(pool: try controlTestPool())
        fresh.invalidate("dev.cabin-env.pressure_pa", at: 0)
        fresh.step(0)
        #expect(fresh.value("ls.ppco2_kpa") == nil)
        #expect(fresh.value("ls.scrubber_stage") == 2)
    }

    @Test("CO2 invalid: scrubber at its highest stage, input event")
    func invalidCO2() throws {
        let rig = try LifeSupportRig()
        rig.step(0)
        #expect(rig.value("ls.scrubber_stage") == 0)
        rig.invalidate("dev.cabin-co2.co2_ppm", at: 1)
        rig.step(1)
        #expect(rig.value("ls.scrubber_stage") == 2)
        #expect(rig.channels[2].demanded == true)
        #expect(rig.events.with(LifeSupportEvents.inputInvalid).map(\.argumentList) == [[1]])
    }

    @Test("cumulative mapping turns on every channel up to the stage")
    func cumulative() {
        #expect(ScrubberStageMapping.cumulative.isOn(channel: 0, stage: 2))
        #expect(ScrubberStageMapping.cumulative.isOn(channel: 1, stage: 2))
        #expect(!ScrubberStageMapping.cumulative.isOn(channel: 1, stage: 1))
        #expect(!ScrubberStageMapping.exclusive.isOn(channel: 0, stage: 2))
    }
}

@Suite("Life support: cabin temperature")
struct LifeSupportTemperatureTests {
    /// A first-order cabin: dT/dt = (gain·heater − (T − ambient)) / tau, heater 0 or 1.
    struct Cabin {
        var temperature: Double
        var ambient: Double
        let gain = 20.0 // °C above ambient with the heater always on
        let tau = 600.0 // s
        mutating func step(heaterOn: Bool, dt: Double) {
            temperature += ((heaterOn ? gain : 0) - (temperature - ambient)) / tau * dt
        }
    }

    @Test("time-proportioning: duty 0.3 → on for the first 3 s of every 10 s window")
    func timeProportioning() {
        var proportioner = TimeProportioner(window: .seconds(10))
        var onCycles = 0
        var onPattern: [Bool] = []
        for index in 0..<300 {
            let on = proportioner.output(duty: 0.3, at: tenHertzCycle(index).time)
            if on { onCycles += 1 }
            if index < 100 { onPattern.append(on) }
        }
        #expect(onCycles == 90) // 30 of every 100 cycles, three windows
        #expect(onPattern == Array(repeating: true, count: 30) + Array(repeating: false, count: 70))
        // The duty is latched per window: a change mid-window waits for the next one.
        var latched = TimeProportioner(window: .seconds(10))
        var count = 0
        for index in 0..<100 where latched.output(duty: index < 50 ? 0.2 : 0.9, at: tenHertzCycle(index).time) { count += 1 }
        #expect(count == 20)
    }

    @Test("PI step response: a cold cabin reaches the 22 °C setpoint and stays there")
    func stepResponse() throws {
        let rig = try LifeSupportRig()
        var cabin = Cabin(temperature: 15, ambient: 15)
        var lastHalfHour: [Double] = []
        var reached: Int?
        for index in 0..<(2 * 36_000) { // 2 h
            rig.set("dev.cabin-env.temperature_c", cabin.temperature, at: index)
            rig.step(index)
            cabin.step(heaterOn: rig.heaterDevice.state, dt: 0.1)
            if reached == nil, cabin.temperature >= 21.8 { reached = index }
            if index >= 54_000 { lastHalfHour.append(cabin.temperature) }
        }
        let mean = lastHalfHour.reduce(0, +) / Double(lastHalfHour.count)
        let worst = lastHalfHour.map { abs($0 - 22) }.max() ?? .infinity
        // Flat out the heater would get there in 600 s × ln(20 / 13.2) ≈ 250 s; the loop backs off
        // as it nears the setpoint, but must still arrive within 10 min.
        #expect((reached ?? .max) < 6000, "within 0.2 °C in under 10 min")
        #expect(abs(mean - 22) < 0.02)
        #expect(worst < 0.1) // the time-proportioning ripple
        // Steady duty ≈ (22 − 15) / 20 = 0.35.
        #expect(abs((rig.value("ls.heater_duty") ?? 0) - 0.35) < 0.05)
    }

    @Test("anti-windup: after 2 h saturated, the overshoot once the heater can cope is bounded")
    func antiWindup() throws {
        let rig = try LifeSupportRig()
        // Ambient 0 °C: the heater can reach only 20 °C, below the setpoint → saturated at 1.
        var cabin = Cabin(temperature: 0, ambient: 0)
        var index = 0
        for _ in 0..<(2 * 36_000) {
            rig.set("dev.cabin-env.temperature_c", cabin.temperature, at: index)
            rig.step(index)
            cabin.step(heaterOn: rig.heaterDevice.state, dt: 0.1)
            index += 1
        }
        #expect(rig.value("ls.heater_duty") == 1)
        #expect(rig.controller.heaterIntegral <= 1)
        // The cabin warms up (ambient 15 °C): without anti-windup the integral (≈ 0.005 × 2 °C ×
        // 7200 s = 72) would keep the heater on to ~35 °C.
        cabin.ambient = 15
        var peak = -Double.infinity
        for _ in 0..<(2 * 36_000) {
            rig.set("dev.cabin-env.temperature_c", cabin.temperature, at: index)
            rig.step(index)
            cabin.step(heaterOn: rig.heaterDevice.state, dt: 0.1)
            peak = max(peak, cabin.temperature)
            index += 1
        }
        #expect(peak < 22.5)
        #expect(abs(cabin.temperature - 22) < 0.1)
    }

    @Test("PI controller alone: conditional integration stops winding up in saturation")
    func piAlone() {
        var pi = PIController(proportionalGain: 0.5, integralGain: 0.005)
        for _ in 0..<72_000 { _ = pi.update(setpoint: 22, measurement: 20, dt: 0.1) }
        // P = 1.0 already saturates: the integral never moved.
        #expect(pi.integral == 0)
        var below = PIController(proportionalGain: 0.1, integralGain: 0.01)
        // e = 1: P = 0.1, the integral rises at 0.01/s until P + I reaches 1, i.e. I = 0.9.
        for _ in 0..<10_000 { _ = below.update(setpoint: 1, measurement: 0, dt: 0.1) }
        #expect(abs(below.integral - 0.9) < 1e-12)
        #expect(abs(below.update(setpoint: 1, measurement: 0, dt: 0.1) - 1) < 1e-12)
    }

    @Test("temperature invalid: heater off at once, integral held")
    func invalidTemperature() throws {
        let rig = try LifeSupportRig()
        rig.set("dev.cabin-env.temperature_c", 18, at: 0)
        rig.step(0)
        #expect(rig.heater.demanded == true)
        rig.invalidate("dev.cabin-env.temperature_c", at: 1)
        rig.step(1)
        #expect(rig.heater.demanded == false)
        #expect(rig.value("ls.heater_duty") == 0)
        #expect(rig.events.with(LifeSupportEvents.inputInvalid).map(\.argumentList) == [[2]])
    }
}

@Suite("Life support: modes and configuration")
struct LifeSupportModeTests {
    @Test("BOOT: no requests at all; EMERGENCY: control continues under safing overrides")
    func modes() throws {
        let rig = try LifeSupportRig()
        rig.set("fdir.mode", Double(VehicleMode.boot.rawValue), at: 0)
        rig.set("dev.o2-a.ppo2_kpa", 19.0, at: 0)
        rig.set("dev.o2-b.ppo2_kpa", 19.0, at: 0)
        rig.set("dev.cabin-co2.co2_ppm", 12_000, at: 0)
        rig.step(0)
        rig.invalidate("dev.cabin-co2.co2_ppm", at: 0)
        rig.step(0)
        for channel in rig.channels { #expect(channel.requested(by: .controller) == nil, "\(channel.name)") }
        #expect(rig.events.events.isEmpty)
        #expect(rig.value("ls.co2_alarm") == 1)

        rig.set("fdir.mode", Double(VehicleMode.emergency.rawValue), at: 1)
        rig.oxygenValve.request(.safing, false)
        rig.step(1)
        #expect(rig.oxygenValve.requested(by: .controller) == true)
        #expect(rig.oxygenValve.demanded == false)
        // Leaving BOOT reports what was found on the way: the CO2 alarm, the invalid CO2 input.
        #expect(rig.events.with(LifeSupportEvents.inputInvalid).map(\.argumentList) == [[1]])
        #expect(rig.events.with(LifeSupportEvents.co2Alarm).count == 1)
        rig.oxygenValve.request(.safing, nil)
        rig.step(2)
        #expect(rig.oxygenValve.demanded == true)
    }

    @Test("tunables are registered with ranges and defaults and steer the law")
    func tunables() throws {
        let rig = try LifeSupportRig()
        let low = rig.handle("ls.ppo2_low_kpa")
        #expect(rig.pool[low].value == 20.0)
        #expect(rig.pool.definition(low).tunable)
        #expect(rig.pool.definition(low).range == 17...23)
        #expect(rig.pool.definition(low).id == ParameterID(0x0220))
        #expect(rig.pool.definition(rig.handle("ls.ppo2_kpa")).id == ParameterID(0x0200))
        #expect(throws: ParameterError.self) { try rig.pool.setTunable(id: ParameterID(0x0220), value: 12, at: .zero) }
        try rig.pool.setTunable(id: ParameterID(0x0220), value: 20.8, at: .zero)
        rig.set("dev.o2-a.ppo2_kpa", 20.6, at: 0)
        rig.set("dev.o2-b.ppo2_kpa", 20.6, at: 0)
        rig.step(0)
        #expect(rig.oxygenValve.demanded == true)
        let stage2Off = rig.handle("ls.co2_stage2_off_kpa")
        #expect(rig.pool[stage2Off].value == 0.22)
        #expect(rig.pool.definition(stage2Off).range == 0.05...2.0)
        #expect(rig.pool.definition(stage2Off).unit == "kPa")
        #expect(rig.pool.definition(rig.handle("ls.co2_alarm_kpa")).id == ParameterID(0x0225))
        #expect(rig.pool.definition(rig.handle("ls.co2_warning_kpa")).id == ParameterID(0x0227))
        #expect(rig.pool.definition(rig.handle("ls.ppco2_kpa")).id == ParameterID(0x020A))
        #expect(rig.pool[rig.handle("ls.temp_setpoint_c")].value == 22)
    }

    @Test("configuration from [life_support]: overrides, unknown keys and inconsistent limits rejected")
    func configuration() throws {
        let text = """
            [life_support]
            ppo2_low_kpa = 20.2
            valve_min_off = "10s"
            scrubber_channels = ["fan-1", "fan-2", "fan-3"]
            scrubber_mapping = "cumulative"
            co2_stage_on_kpa = [0.2, 0.3, 0.35]
            co2_stage_off_kpa = [0.1, 0.25, 0.32]
            co2_warning_kpa = 0.38
            co2_alarm_kpa = 0.45
            """
        let table = try VehicleConfiguration.parse(text: text, path: "ls.toml").root.table("life_support")
        let configuration = try LifeSupportController.Configuration(table: table)
        #expect(configuration.ppo2LowKPa == 20.2)
        #expect(configuration.valveMinimumOffTime == .seconds(10))
        #expect(configuration.scrubberMapping == .cumulative)
        #expect(configuration.channelNames == ["o2-valve", "fan-1", "fan-2", "fan-3", "cabin-heater"])
        #expect(configuration.scrubberStageOnKPa == [0.2, 0.3, 0.35])
        #expect(configuration.scrubberStageOffKPa == [0.1, 0.25, 0.32])
        #expect(configuration.co2WarningKPa == 0.38 && configuration.co2WarningClearKPa == 0.30)
        #expect(configuration.co2AlarmKPa == 0.45 && configuration.co2AlarmClearKPa == 0.37)

        func error(_ text: String) -> ConfigurationError? {
            do {
                let table = try VehicleConfiguration.parse(text: text, path: "ls.toml").root.table("life_support")
                _ = try LifeSupportController.Configuration(table: table)
                return nil
            } catch {
                return error
            }
        }
        #expect(error("[life_support]\nppo2_lo_kpa = 20\n")?.message.contains("did you mean \"ppo2_low_kpa\"") == true)
        #expect(error("[life_support]\nppo2_low_kpa = 22\nppo2_high_kpa = 21.5\n")?.key == "ppo2_low_kpa")
        #expect(error("[life_support]\nco2_stage_off_kpa = [0.25, 0.28]\n")?.key == "co2_stage_off_kpa")
        #expect(error("[life_support]\nco2_stage_on_kpa = [0.2]\n")?.key == "co2_stage_on_kpa")
        #expect(error("[life_support]\nco2_stage_on_kpa = [0.2, 3.0]\n")?.key == "co2_stage_on_kpa")
        #expect(error("[life_support]\nco2_warning_kpa = 0.45\n")?.key == "co2_warning_kpa")
        #expect(error("[life_support]\nco2_alarm_clear_kpa = 0.41\n")?.key == "co2_alarm_clear_kpa")
        // The ppm keys of earlier versions name their replacement.
        for (old, new) in [
            ("co2_stage_on_ppm", "co2_stage_on_kpa"), ("co2_stage_off_ppm", "co2_stage_off_kpa"),
            ("co2_alarm_ppm", "co2_alarm_kpa"), ("co2_alarm_clear_ppm", "co2_alarm_clear_kpa"),
        ] {
            let replaced = error("[life_support]\n\(old) = 5000\n")
            #expect(replaced?.key == old)
            #expect(replaced?.line == 2)
            #expect(replaced?.message.contains("use \"\(new)\"") == true, "\(String(describing: replaced))")
        }
    }

    @Test("an unknown input or channel name fails setup")
    func unknownNames() throws {
        var configuration = LifeSupportController.Configuration()
        configuration.co2Parameter = "dev.cabin-co2.co2_pmm"
        #expect(throws: ControlSetupError.unknownParameter(key: "co2_parameter", name: "dev.cabin-co2.co2_pmm")) {
            _ = try LifeSupportRig(configuration: configuration)
        }
        configuration = LifeSupportController.Configuration()
        configuration.heaterChannel = "heater"
        #expect(throws: ControlSetupError.unknownChannel(key: "heater_channel", name: "heater")) {
            _ = try LifeSupportRig(configuration: configuration)
        }
    }

    @Test("event definitions are in the life-support range with unique IDs and names")
    func eventDefinitions() {
        let definitions = LifeSupportEvents.eventDefinitions
        #expect(definitions.allSatisfy { (0x0200...0x02FF).contains($0.id.rawValue) })
        #expect(Set(definitions.map(\.id)).count == definitions.count)
        #expect(Set(definitions.map(\.name)).count == definitions.count)
    }
}

@Suite("Life support: without a mode machine")
struct LifeSupportNoModeTests {
    @Test("mode_parameter = \"\": controlled as in NOMINAL")
    func noModeParameter() throws {
        var configuration = LifeSupportController.Configuration()
        configuration.modeParameter = ""
        let rig = try LifeSupportRig(configuration: configuration)
        rig.set("fdir.mode", Double(VehicleMode.boot.rawValue), at: 0) // ignored
        rig.set("dev.o2-a.ppo2_kpa", 19.0, at: 0)
        rig.set("dev.o2-b.ppo2_kpa", 19.0, at: 0)
        rig.step(0)
        #expect(rig.oxygenValve.requested(by: .controller) == true)
    }
}
