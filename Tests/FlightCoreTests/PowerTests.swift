@testable import FlightCore
import HAL
import Testing

/// Power management on the default channels, with life support's channels as the protected ones.
struct PowerRig {
    let pool: ParameterPool
    let events = ControlTestEvents()
    let payload = ActuatorChannel(name: "payload-power", device: ControlTestActuator(name: "payload-power"), safeState: false)
    let heaters = ActuatorChannel(name: "aux-heater", device: ControlTestActuator(name: "aux-heater"), safeState: false)
    let radio = ActuatorChannel(name: "radio-power", device: ControlTestActuator(name: "radio-power"), safeState: false)
    let lifeSupport: [ActuatorChannel] = LifeSupportController.Configuration().channelNames.map {
        ActuatorChannel(name: $0, device: ControlTestActuator(name: $0), safeState: false)
    }
    let controller: PowerController

    init(_ configure: (inout PowerController.Configuration) -> Void = { _ in }) throws {
        pool = try controlTestPool()
        var configuration = PowerController.Configuration()
        configure(&configuration)
        controller = try PowerController(
            configuration: configuration, pool: pool, channels: [payload, heaters, radio] + lifeSupport,
            protectedChannels: lifeSupport, events: events)
    }

    func handle(_ name: String) -> ParameterHandle { try! pool.handle(named: name) }
    func set(_ name: String, _ value: Double, at index: Int) { pool.set(handle(name), value, at: tenHertzCycle(index).time) }
    func invalidate(_ name: String, at index: Int) { pool.invalidate(handle(name), at: tenHertzCycle(index).time) }
    func value(_ name: String) -> Double? { pool.value(handle(name)) }

    /// Sets the battery current (A, + = charging with the default sign) and voltage, runs cycle `index`.
    func step(_ index: Int, current: Double? = nil, voltage: Double? = nil, arrayPower: Double? = nil) {
        if let current { set("dev.battery-power.current_a", current, at: index) }
        if let voltage { set("dev.battery-power.bus_voltage_v", voltage, at: index) }
        if let arrayPower { set("dev.solar-power.power_w", arrayPower, at: index) }
        controller.run(tenHertzCycle(index))
    }
}

@Suite("Power: state of charge")
struct PowerStateOfChargeTests {
    @Test("coulomb counting: −10 A for 1 h from 100 % on 100 Ah → 90 %")
    func discharge() throws {
        let rig = try PowerRig { $0.initialSoC = 100 }
        for index in 0..<36_000 { rig.step(index, current: -10, voltage: 28.0) }
        let soc = try #require(rig.value("power.battery_soc_pct"))
        #expect(abs(soc - 90) < 1e-6)
        #expect(abs((rig.value("power.battery_charge_ah") ?? 0) - 90) < 1e-6)
        #expect(rig.value("power.soc_status") == 0)
        #expect(rig.value("power.battery_current_a") == -10)
    }

    @Test("charging counts at the charge efficiency: +10 A for 1 h from 50 % at 0.98 → 59.8 %")
    func charge() throws {
        let rig = try PowerRig { $0.initialSoC = 50 }
        for index in 0..<36_000 { rig.step(index, current: 10, voltage: 27.0) }
        #expect(abs((rig.value("power.battery_soc_pct") ?? 0) - 59.8) < 1e-6)
    }

    @Test("current_sign = -1: a positive reading discharges")
    func currentSign() throws {
        let rig = try PowerRig {
            $0.initialSoC = 100
            $0.currentSign = -1
        }
        for index in 0..<3600 { rig.step(index, current: 10, voltage: 28.0) } // 6 min at 10 A = 1 Ah
        #expect(abs((rig.value("power.battery_soc_pct") ?? 0) - 99) < 1e-6)
        #expect(rig.value("power.battery_current_a") == -10)
    }

    @Test("OCV curve: linear interpolation both ways, clamped outside the table")
    func ocvCurve() {
        let curve = OpenCircuitVoltageCurve.nmcCell
        // 3.75 V lies between 3.72 V (50 %) and 3.79 V (60 %): 50 + 10 × 0.03 / 0.07 = 54.2857 %.
        #expect(abs(curve.soc(cellVolts: 3.75) - 54.285_714_285_7) < 1e-9)
        // 3.50 V between 3.45 V (10 %) and 3.55 V (20 %): 15 %.
        #expect(abs(curve.soc(cellVolts: 3.50) - 15) < 1e-9)
        #expect(curve.soc(cellVolts: 2.5) == 0)
        #expect(curve.soc(cellVolts: 4.3) == 100)
        #expect(abs(curve.cellVolts(soc: 45) - 3.695) < 1e-12)
        #expect(OpenCircuitVoltageCurve(socPercent: [0, 50, 100], cellVolts: [3.0, 3.9, 3.8]) == nil)
    }

    @Test("rest correction: |I| below 0.5 A for 30 min → SoC from the OCV curve, once")
    func restCorrection() throws {
        let rig = try PowerRig { $0.initialSoC = 90 }
        // 7 cells × 3.72 V = 26.04 V → 50 % on the NMC curve; the counted estimate says ~90 %.
        for index in 0..<18_000 { rig.step(index, current: -0.2, voltage: 26.04) }
        // After 1799.9 s of rest: not yet corrected; 0.2 A for 0.5 h = 0.1 Ah = 0.1 %.
        #expect(abs((rig.value("power.battery_soc_pct") ?? 0) - 89.9) < 1e-6)
        #expect(rig.value("power.battery_at_rest") == 1)
        rig.step(18_000, current: -0.2, voltage: 26.04) // t = 1800.0 s
        #expect(abs((rig.value("power.battery_soc_pct") ?? 0) - 50) < 1e-9)
        let corrections = rig.events.with(PowerEvents.socRestCorrected)
        #expect(corrections.count == 1)
        #expect(abs(corrections[0].arguments.0 - 89.9) < 1e-3)
        #expect(abs(corrections[0].arguments.1 - 50) < 1e-9)
        #expect(corrections[0].arguments.2 == 26.04)
        // Still resting: not corrected again; counting goes on.
        for index in 18_001..<30_000 { rig.step(index, current: -0.2, voltage: 26.04) }
        #expect(rig.events.with(PowerEvents.socRestCorrected).count == 1)
        // A load breaks the rest; the timer starts over.
        rig.step(30_000, current: -5, voltage: 25.5)
        #expect(rig.value("power.battery_at_rest") == 0)
    }

    @Test("no configured SoC: initialised from the OCV curve at the first valid voltage")
    func initialFromOCV() throws {
        let rig = try PowerRig()
        rig.step(0)
        #expect(rig.value("power.battery_soc_pct") == nil)
        #expect(rig.value("power.soc_status") == 2)
        rig.step(1, current: -1, voltage: 7 * 3.50)
        #expect(abs((rig.value("power.battery_soc_pct") ?? 0) - 15) < 1e-9)
        #expect(rig.events.with(PowerEvents.socInitialized).count == 1)
    }

    @Test("invalid current: SoC held and flagged, then counting resumes")
    func heldOnInvalidCurrent() throws {
        let rig = try PowerRig { $0.initialSoC = 80 }
        for index in 0..<360 { rig.step(index, current: -100, voltage: 26) } // 36 s at 100 A = 1 Ah
        #expect(abs((rig.value("power.battery_soc_pct") ?? 0) - 79) < 1e-9)
        rig.invalidate("dev.battery-power.current_a", at: 360)
        for index in 360..<1000 { rig.step(index) }
        #expect(abs((rig.value("power.battery_soc_pct") ?? 0) - 79) < 1e-9)
        #expect(rig.value("power.soc_status") == 1)
        #expect(rig.pool[rig.handle("power.battery_current_a")].validity == .invalid)
        #expect(rig.events.with(PowerEvents.socHeld).map(\.argumentList).count == 1)
        for index in 1000..<1360 { rig.step(index, current: -100) }
        #expect(abs((rig.value("power.battery_soc_pct") ?? 0) - 78) < 1e-9)
        #expect(rig.value("power.soc_status") == 0)
        #expect(rig.events.with(PowerEvents.socResumed).count == 1)
    }
}

@Suite("Power: solar array and eclipse")
struct PowerEclipseTests {
    @Test("eclipse after 30 s below 5 W, sunlight after 10 s above; short dips ignored")
    func eclipse() throws {
        let rig = try PowerRig { $0.initialSoC = 80 }
        var transitions: [(index: Int, eclipse: Bool)] = []
        var previous: Double?
        // (until cycle, array power W)
        let script: [(Int, Double)] = [
            (600, 120), // sunlight, declared at 10.0 s (cycle 100)
            (800, 3), // a 20 s dip: too short
            (1200, 120),
            (2400, 2), // from 120.0 s: eclipse at 150.0 s (cycle 1500)
            (2450, 50), // 5 s of light: too short
            (3000, 1), // eclipse continues
            (4000, 80), // from 300.0 s: sunlight at 310.0 s (cycle 3100)
        ]
        var index = 0
        for (end, power) in script {
            while index < end {
                rig.step(index, current: -1, voltage: 26, arrayPower: power)
                let eclipse = rig.value("power.eclipse")
                if eclipse != previous, let eclipse { transitions.append((index, eclipse == 1)) }
                previous = eclipse
                index += 1
            }
        }
        #expect(transitions.map(\.index) == [100, 1500, 3100])
        #expect(transitions.map(\.eclipse) == [false, true, false])
        #expect(rig.events.with(PowerEvents.eclipseEntry).map(\.argumentList) == [[2, 5]])
        #expect(rig.events.with(PowerEvents.eclipseExit).map(\.argumentList) == [[120, 5], [80, 5]])
        #expect(rig.value("power.array_power_w") == 80)
    }

    @Test("array power falls back to the MPPT's PV power; charging state passed through")
    func mpptFallback() throws {
        let rig = try PowerRig { $0.initialSoC = 80 }
        rig.invalidate("dev.solar-power.power_w", at: 0)
        rig.set("dev.mppt.pv_power_w", 64, at: 0)
        rig.set("dev.mppt.charging_state", 5, at: 0)
        rig.step(0)
        #expect(rig.value("power.array_power_w") == 64)
        #expect(rig.value("power.charging_state") == 5)
        #expect(rig.pool[rig.handle("power.eclipse")].validity != .valid) // not known yet
    }
}

@Suite("Power: load shedding")
struct PowerLoadSheddingTests {
    @Test("shed payload → heaters → radio as SoC falls, restored in reverse with hysteresis, every step an event")
    func order() throws {
        let rig = try PowerRig { $0.initialSoC = 50 }
        var index = 0
        var levels: [Int] = []
        func record() {
            let level = rig.controller.shedLevel
            if levels.last != level { levels.append(level) }
        }
        // Discharge at 100 A (1 % per 36 s) from 50 % to 15 %: 35 % = 12 600 cycles.
        while index < 12_600 {
            rig.step(index, current: -100, voltage: 26)
            record()
            for channel in rig.lifeSupport { #expect(channel.requested(by: .loadShedding) == nil) }
            index += 1
        }
        #expect(abs((rig.value("power.battery_soc_pct") ?? 0) - 15) < 1e-6)
        #expect(rig.payload.requested(by: .loadShedding) == false)
        #expect(rig.heaters.requested(by: .loadShedding) == false)
        // Charge at 100 A × 0.98 back up past 45 %.
        while index < 12_600 + 12_000 {
            rig.step(index, current: 100, voltage: 27)
            record()
            for channel in rig.lifeSupport { #expect(channel.requested(by: .loadShedding) == nil) }
            index += 1
        }
        #expect(levels == [0, 1, 2, 3, 2, 1, 0])
        #expect(rig.payload.requested(by: .loadShedding) == nil)
        #expect(rig.radio.requested(by: .loadShedding) == nil)

        let steps = rig.events.events.filter { $0.id == PowerEvents.loadShed || $0.id == PowerEvents.loadRestored }
        #expect(
            steps.map(\.id) == [
                PowerEvents.loadShed, PowerEvents.loadShed, PowerEvents.loadShed,
                PowerEvents.loadRestored, PowerEvents.loadRestored, PowerEvents.loadRestored,
            ])
        #expect(steps.map(\.arguments.0) == [0, 1, 2, 2, 1, 0]) // load indices
        #expect(steps.map(\.arguments.2) == [40, 30, 20, 25, 35, 45]) // thresholds
        #expect(steps.map(\.arguments.3) == [0, 0, 1, 1, 0, 0]) // radio is duty-cycled
        // The SoC carried is the one that crossed: within one cycle's step (0.0028 %) of the threshold.
        let perCycle = 100.0 * 0.1 / 3600 / 100 * 100
        for step in steps {
            if step.id == PowerEvents.loadShed {
                #expect(step.arguments.1 < step.arguments.2 && step.arguments.1 > step.arguments.2 - perCycle - 1e-9)
            } else {
                #expect(step.arguments.1 > step.arguments.2 && step.arguments.1 < step.arguments.2 + perCycle)
            }
        }
    }

    @Test("no restore inside the hysteresis band")
    func hysteresis() throws {
        let rig = try PowerRig { $0.initialSoC = 39 }
        rig.step(0, current: 0, voltage: 26)
        #expect(rig.controller.shedLevel == 1)
        // Charge to 44 % (5 % = 180 s at 100 A × 0.98 … use 1 Ah steps): still shed below 45 %.
        var index = 1
        while (rig.value("power.battery_soc_pct") ?? 0) < 44.9 {
            rig.step(index, current: 100)
            index += 1
        }
        #expect(rig.controller.shedLevel == 1)
        while (rig.value("power.battery_soc_pct") ?? 0) <= 45.0 {
            rig.step(index, current: 100)
            index += 1
        }
        rig.step(index, current: 100)
        #expect(rig.controller.shedLevel == 0)
    }

    @Test("radio at low duty: on 10 s of every minute while shed")
    func radioDuty() throws {
        let rig = try PowerRig { $0.initialSoC = 15 }
        var onCycles = 0
        var firstMinute: [Bool] = []
        for index in 0..<1800 { // 3 min
            rig.step(index, current: 0, voltage: 25)
            let on = rig.radio.requested(by: .loadShedding) == true
            if on { onCycles += 1 }
            if index < 600 { firstMinute.append(on) }
        }
        #expect(onCycles == 300)
        #expect(firstMinute == Array(repeating: true, count: 100) + Array(repeating: false, count: 500))
        // All three shed in the first cycle, in order.
        #expect(rig.events.with(PowerEvents.loadShed).map(\.arguments.0) == [0, 1, 2])
        #expect(rig.value("power.shed_level") == 3)
    }

    @Test("invalid SoC holds the shed state")
    func heldWithoutSoC() throws {
        let rig = try PowerRig()
        for index in 0..<10 { rig.step(index) }
        #expect(rig.controller.shedLevel == 0)
        #expect(rig.payload.requested(by: .loadShedding) == nil)
    }

    @Test("a tuned threshold moves the shed point")
    func tunedThreshold() throws {
        let rig = try PowerRig { $0.initialSoC = 45 }
        let handle = rig.handle("power.shed_payload_soc_pct")
        #expect(rig.pool.definition(handle).id == ParameterID(0x0330))
        #expect(rig.pool.definition(handle).range == 0...100)
        rig.step(0, current: 0, voltage: 26)
        #expect(rig.controller.shedLevel == 0)
        try rig.pool.setTunable(id: ParameterID(0x0330), value: 50, at: .zero)
        rig.step(1, current: 0)
        #expect(rig.controller.shedLevel == 1)
    }
}

@Suite("Power: configuration")
struct PowerConfigurationTests {
    private func parse(_ text: String) throws -> PowerController.Configuration {
        let table = try VehicleConfiguration.parse(text: text, path: "power.toml").root.table("power")
        return try PowerController.Configuration(table: table, lifeSupportChannels: LifeSupportController.Configuration().channelNames)
    }

    private func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            return nil
        }
    }

    @Test("[power] with shed loads, battery and OCV table")
    func parses() throws {
        let configuration = try parse(
            """
            [power]
            capacity_ah = 40
            current_sign = -1
            cells_in_series = 4
            ocv_soc_pct = [0, 50, 100]
            ocv_cell_v = [3.0, 3.7, 4.2]
            rest_duration = "20min"
            eclipse_entry_time = "1min"

            [[power.shed_load]]
            name = "camera"
            channel = "camera-power"
            shed_below_soc_pct = 50

            [[power.shed_load]]
            name = "radio"
            channel = "radio-power"
            shed_below_soc_pct = 25
            action = "duty"
            duty_on = "5s"
            duty_period = "30s"
            """)
        #expect(configuration.capacityAh == 40)
        #expect(configuration.currentSign == -1)
        #expect(configuration.openCircuitVoltage.cellVolts == [3.0, 3.7, 4.2])
        #expect(configuration.restDuration == .seconds(1200))
        #expect(configuration.eclipseEntryTime == .seconds(60))
        #expect(
            configuration.loads == [
                SheddableLoad(name: "camera", channel: "camera-power", shedBelowSoC: 50),
                SheddableLoad(name: "radio", channel: "radio-power", shedBelowSoC: 25, action: .duty(on: .seconds(5), period: .seconds(30))),
            ])
        #expect(try parse("[power]\n").loads.map(\.name) == ["payload", "heaters", "radio"])
    }

    @Test("a life-support channel in the shed list is rejected")
    func rejectsLifeSupportLoad() throws {
        let failure = error(
            """
            [power]
            [[power.shed_load]]
            name = "oxygen"
            channel = "o2-valve"
            shed_below_soc_pct = 10
            """)
        #expect(failure?.key == "channel")
        #expect(failure?.message.contains("life support is never shed") == true)

        var configuration = PowerController.Configuration()
        configuration.loads.append(SheddableLoad(name: "scrubber", channel: "scrubber-fan-high", shedBelowSoC: 10))
        #expect(throws: ConfigurationError.self) {
            try configuration.validate(lifeSupportChannels: LifeSupportController.Configuration().channelNames)
        }
    }

    @Test("the controller refuses a protected channel even when the names were not checked")
    func rejectsProtectedChannel() throws {
        let pool = try controlTestPool()
        let valve = ActuatorChannel(name: "oxygen-injector", device: nil, safeState: false)
        var configuration = PowerController.Configuration()
        configuration.loads = [SheddableLoad(name: "injector", channel: "oxygen-injector", shedBelowSoC: 10)]
        #expect(throws: ControlSetupError.protectedChannel(name: "oxygen-injector")) {
            _ = try PowerController(
                configuration: configuration, pool: pool, channels: [valve], protectedChannels: [valve],
                events: ControlTestEvents())
        }
    }

    @Test("bad values are rejected at their key")
    func rejects() {
        #expect(error("[power]\ncurrent_sign = 0\n")?.key == "current_sign")
        #expect(error("[power]\ncapacity_a = 10\n")?.message.contains("did you mean \"capacity_ah\"") == true)
        #expect(error("[power]\nocv_soc_pct = [0, 100]\nocv_cell_v = [4.2, 3.0]\n")?.key == "ocv_cell_v")
        #expect(
            error(
                """
                [power]
                [[power.shed_load]]
                name = "a"
                channel = "a-power"
                shed_below_soc_pct = 20
                [[power.shed_load]]
                name = "b"
                channel = "b-power"
                shed_below_soc_pct = 30
                """)?.key == "shed_below_soc_pct")
        #expect(
            error(
                """
                [power]
                [[power.shed_load]]
                name = "radio"
                channel = "radio-power"
                shed_below_soc_pct = 20
                action = "duty"
                duty_on = "90s"
                """)?.key == "duty_on")
    }

    @Test("event definitions are in the power range with unique IDs and names")
    func eventDefinitions() {
        let definitions = PowerEvents.eventDefinitions
        #expect(definitions.allSatisfy { (0x0300...0x03FF).contains($0.id.rawValue) })
        #expect(Set(definitions.map(\.id)).count == definitions.count)
        #expect(Set(definitions.map(\.name)).count == definitions.count)
        let all = EventCatalog.all([LifeSupportEvents.self, PowerEvents.self])
        #expect(all.count == LifeSupportEvents.eventDefinitions.count + definitions.count)
    }
}
