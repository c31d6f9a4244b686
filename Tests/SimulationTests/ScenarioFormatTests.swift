import FlightCore
import HAL
import SimHardware
import Simulation
import Testing

/// The scenario file format: every action, strictness, errors with file and line.
@Suite struct ScenarioFormatTests {
    /// A scenario file in `scenarios/` (so its `config` resolves to the repository's).
    static func path(_ name: String) -> String { repositoryRoot() + "/scenarios/" + name }

    @Test func everyActionParsesWithItsKeys() throws {
        let text = """
            [scenario]
            name = "all"
            description = "every action"
            duration = "30min"
            seed = 7
            sample_interval = "30s"

            [physics]
            initial_soc_pct = 45
            orbit_phase = 0.25
            orbit_period_min = 120
            eclipse_min = 40
            cabin_temperature_c = 20
            cabin_co2_ppm = 5000

            [[event]]
            at = "10min"
            action = "cabin_leak"
            area_mm2 = 10
            duration = "2min"

            [[event]]
            at = 0
            action = "crew_count"
            count = 6

            [[event]]
            at = "1min"
            action = "cabin_leak"
            rate_pa_per_min = 120

            [[event]]
            at = 61
            action = "scrubber_failure"

            [[event]]
            at = 62
            action = "extra_load"
            watts = 250.5

            [[event]]
            at = 63
            action = "radiation_storm"
            multiplier = 40
            duration = "5min"

            [[event]]
            at = 64
            action = "star_tracker_blinded"

            [[event]]
            at = 65
            action = "sensor_fault"
            device = "o2-a"
            fault = "drift"
            per_second = -0.01
            window = "30s"

            [[event]]
            at = 66
            action = "sensor_fault"
            device = "cabin-co2"
            fault = "modbus_exception"
            code = 6
            count = 3

            [[event]]
            at = 67
            action = "device_offline"
            device = "mppt"

            [[event]]
            at = 68
            action = "executive_overrun"
            group = "lsp"
            burn = "250ms"

            [[event]]
            at = 69
            action = "clear_faults"

            [[event]]
            at = 70
            action = "sensor_fault"
            device = "o2-b"
            fault = "noise"
            sigma = 0.5
            """
        let scenario = try Scenario.parse(text: text, path: Self.path("all.toml"))
        #expect(scenario.name == "all")
        #expect(scenario.duration == .seconds(1800))
        #expect(scenario.seed == 7)
        #expect(scenario.sampleInterval == .seconds(30))
        #expect(scenario.configurationPath.hasSuffix("config/sim.toml"))
        #expect(
            scenario.physics
                == ScenarioPhysics(
                    initialStateOfChargePercent: 45, orbitPhase: 0.25, orbitPeriodMinutes: 120,
                    eclipseMinutes: 40, cabinTemperatureCelsius: 20, cabinCO2PartsPerMillion: 5000))
        let physics = scenario.physics.applied(to: VehiclePhysics.Configuration())
        #expect(physics.power.initialStateOfCharge == 0.45)
        #expect(physics.orbit.periodSeconds == 7200)
        #expect(physics.orbit.eclipse == .duration(seconds: 2400))
        // 5000 ppm of 101 325 Pa.
        #expect(abs(physics.atmosphere.initialCO2PartialPressurePascals - 506.625) < 1e-9)

        // Sorted by time (stable for equal times); `duration` adds the end events.
        let events = scenario.events.map { ($0.time, $0.action) }
        let expected: [(Duration, ScenarioAction)] = [
            (.zero, .crewCount(6)),
            (.seconds(60), .cabinLeak(.pressureDropRate(pascalsPerMinute: 120))),
            (.seconds(61), .scrubberFailed(true)),
            (.seconds(62), .extraLoad(watts: 250.5)),
            (.seconds(63), .radiationStorm(multiplier: 40)),
            (.seconds(64), .starTrackerBlinded(true)),
            (.seconds(65), .sensorFault(device: "o2-a", fault: .drift(perSecond: -0.01), extent: .window(.seconds(30)))),
            (.seconds(66), .sensorFault(device: "cabin-co2", fault: .modbusException(.serverDeviceBusy), extent: .count(3))),
            (.seconds(67), .deviceOffline(device: "mppt")),
            (.seconds(68), .executiveOverrun(group: "lsp", burn: .milliseconds(250))),
            (.seconds(69), .clearFaults(device: nil)),
            (.seconds(70), .sensorFault(device: "o2-b", fault: .noise(standardDeviation: 0.5), extent: .indefinite)),
            (.seconds(363), .radiationStorm(multiplier: 1)),
            (.seconds(600), .cabinLeak(.area(squareMeters: 10e-6))),
            (.seconds(720), .cabinLeakStop),
        ]
        #expect(events.count == expected.count)
        for (got, want) in zip(events, expected) {
            #expect(got.0 == want.0)
            #expect(got.1 == want.1)
        }
        // The leak's header is on line 16; its end event carries the same line.
        #expect(scenario.events.filter { $0.line == 16 }.map(\.time) == [.seconds(600), .seconds(720)])
    }

    @Test(
        arguments: [
            // (text, line, fragment of the message)
            ("[scenario]\nname = \"x\"\n\n[[event]]\nat = 5\naction = \"cabin_leek\"\n", 6, "expected one of"),
            ("[scenario]\nname = \"x\"\n\n[[event]]\nat = 5\naction = \"cabin_leak\"\nare_mm2 = 3\n", 7, "not a key of action \"cabin_leak\""),
            ("[scenario]\nname = \"x\"\n\n[[event]]\naction = \"scrubber_failure\"\n", 4, "missing key \"at\""),
            ("[scenario]\nname = \"x\"\nduraton = \"2h\"\n", 3, "unknown key (did you mean \"duration\"?)"),
            ("[scenario]\nname = \"x\"\n\n[event]\nat = 5\n", 4, "expected an array of tables"),
            ("[scenario]\nname = \"x\"\n\n[[evnt]]\nat = 5\n", 4, "unknown key (did you mean \"event\"?)"),
            ("[scenario]\nname = \"x\"\n[physics]\nbeta_angle_deg = 10\neclipse_min = 30\n", 5, "not both"),
            ("[scenario]\nname = \"x\"\n\n[[event]]\nat = 5\naction = \"sensor_fault\"\ndevice = \"o2-a\"\nfault = \"stuck\"\ncount = 3\nwindow = \"2s\"\n", 10, "not both"),
            ("[scenario]\nname = \"x\"\n\n[[event]]\nat = 5\naction = \"sensor_fault\"\ndevice = \"o2-a\"\nfault = \"stuck\"\nsigma = 3\n", 9, "not a key of fault \"stuck\""),
            ("[scenario]\nname = \"x\"\n\n[[event]]\nat = 5\naction = \"scrubber_repaired\"\nduration = \"1min\"\n", 7, "not a key of action"),
            ("[scenario]\nname = \"x\"\n\n[[event]]\nat = 5\naction = \"cabin_leak\"\narea_mm2 = 3\narea_m2 = 0.1\n", 7, "exactly one of"),
            ("[scenario]\nname = \"x\"\n\n[[event]]\nat = \"soon\"\naction = \"cabin_leak_stop\"\n", 5, "expected a duration"),
            ("[scenario]\nname = \"x\"\n\n[[event]]\nat = 5\naction = \"crew_count\"\ncount = 40\n", 7, "in 0...12"),
            ("[scenario]\nname = \"x\"\nseed = \n", 3, "not valid TOML"),
        ] as [(String, Int, String)])
    func invalidScenariosAreRejectedWithTheirLine(text: String, line: Int, fragment: String) {
        do {
            _ = try Scenario.parse(text: text, path: "bad.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.file == "bad.toml")
            #expect(error.line == line, "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
        }
    }

    @Test func eventsNamingUnknownDevicesOrGroupsAreRejectedWhenTheRunIsSetUp() throws {
        let device = try Scenario.parse(
            text: "[scenario]\nname = \"x\"\n\n[[event]]\nat = 5\naction = \"device_offline\"\ndevice = \"o2-c\"\n",
            path: Self.path("bad-device.toml"))
        let deviceError = #expect(throws: ScenarioError.self) { _ = try ScenarioRunner(scenario: device) }
        guard case .configuration(let unknownDevice) = deviceError else { Issue.record("\(String(describing: deviceError))"); return }
        #expect(unknownDevice.line == 4)
        #expect(unknownDevice.message.contains("no device named \"o2-c\""))
        let group = try Scenario.parse(
            text: "[scenario]\nname = \"x\"\n\n[[event]]\nat = 5\naction = \"executive_overrun\"\ngroup = \"gnc\"\n",
            path: Self.path("bad-group.toml"))
        let groupError = #expect(throws: ScenarioError.self) { _ = try ScenarioRunner(scenario: group) }
        guard case .configuration(let unknownGroup) = groupError else { Issue.record("\(String(describing: groupError))"); return }
        #expect(unknownGroup.line == 4)
        #expect(unknownGroup.message.contains("no rate group named \"gnc\""))
        let missing = try Scenario.parse(text: "[scenario]\nname = \"x\"\nconfig = \"config/none.toml\"\n", path: Self.path("bad-config.toml"))
        #expect(throws: ScenarioError.self) { _ = try ScenarioRunner(scenario: missing) }
    }

    @Test(arguments: [
        "nominal-orbit", "cabin-leak", "scrubber-failure", "eclipse-load-shed", "sensor-stuck",
        "modbus-offline", "radiation-storm", "executive-overrun",
    ])
    func theShippedScenariosParseAndNameTheShippedVehicle(name: String) throws {
        let scenario = try Scenario.load(path: Self.path(name + ".toml"))
        #expect(scenario.name == name)
        #expect(scenario.configurationPath == repositoryRoot() + "/scenarios/../config/sim.toml")
        #expect(!scenario.description.isEmpty)
    }

    @Test func aLeakGivenAsAPressureDropRateOpensTheHoleThatMakesThatRate() throws {
        let scenario = try Scenario.parse(
            text: """
                [scenario]
                name = "rate"
                [[event]]
                at = "90s"
                action = "cabin_leak"
                rate_pa_per_min = 300
                """, path: Self.path("rate.toml"))
        let runner = try ScenarioRunner(scenario: scenario)
        _ = runner.run(for: .seconds(90))
        let area = runner.simulation.vehicle.physics.inputs.leakAreaSquareMeters
        // Choked flow of air through a sharp-edged orifice (Cd 0.6) at 101.3 kPa, 295 K into vacuum:
        // ṁ = Cd·A·p·√(γ/(R·T))·(2/(γ+1))^((γ+1)/(2(γ−1))) = 0.6·A·101 325·0.00233 kg/(s·m²·Pa)…
        // ≈ 143·A kg/s; dp/dt = p·ṁ/m_air with m_air ≈ 47.9 kg → 300 Pa/min (5 Pa/s) needs A ≈ 16.5 mm².
        #expect((14e-6...19e-6).contains(area), "area \(area * 1e6) mm²")
        // The cabin pressure then falls at that rate (physics truth, 10 s later).
        let before = runner.simulation.vehicle.physics.atmosphere.totalPressurePascals
        runner.simulation.run(for: .seconds(10))
        let after = runner.simulation.vehicle.physics.atmosphere.totalPressurePascals
        #expect(abs((before - after) * 6 - 300) < 20, "\((before - after) * 6) Pa/min")
    }
}
