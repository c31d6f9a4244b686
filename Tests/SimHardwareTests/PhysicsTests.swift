import SimHardware
import Testing

@Suite struct PhysicsAtmosphereTests {
    @Test func fourCrewUseThreePointThreeSixKilogramsOfOxygenADay() {
        // 4 crew × 0.84 kg/person/day = 3.36 kg in one day, valve closed.
        var cabin = CabinAtmosphere()
        let start = cabin.massO2
        let inputs = CabinAtmosphere.Inputs(crewCount: 4, o2ValveOpen: false, scrubberStage: 1)
        for _ in 0..<86_400 { cabin.step(dt: 1, inputs: inputs) }
        #expect(abs((start - cabin.massO2) - 3.36) <= 0.0336)
        #expect(cabin.o2PartialPressureKilopascals < 21.3)
    }

    @Test func initialStateMatchesItsConfiguration() {
        let cabin = CabinAtmosphere()
        #expect(abs(cabin.totalPressurePascals - 101_325) < 1e-6)
        #expect(abs(cabin.o2PartialPressureKilopascals - 21.3) < 1e-9)
        // 40.5 Pa of CO2 in 101 325 Pa = 400 ppm.
        #expect(abs(cabin.co2PartsPerMillion - 399.7) < 0.1)
        #expect(abs(cabin.relativeHumidityPercent - 45) < 1e-9)
    }

    @Test func chokedLeakFlowByHand() {
        // Air (R_s = 287.05 J/(kg·K)) at 101 325 Pa and 295.15 K through 1 cm², Cd 0.6, into vacuum:
        // ṁ = 0.6 × 1e-4 × 101 325 × √(1.4 / (287.05 × 295.15)) × (2/2.4)^3 = 0.014302 kg/s.
        let flow = CabinAtmosphere.orificeMassFlow(
            area: 1e-4, dischargeCoefficient: 0.6, pressure: 101_325, outsidePressure: 0,
            temperatureKelvin: 295.15, specificGasConstant: 287.05)
        #expect(abs(flow - 0.014302) < 1e-5)
        // No flow without a pressure difference.
        #expect(
            CabinAtmosphere.orificeMassFlow(
                area: 1e-4, dischargeCoefficient: 0.6, pressure: 1e5, outsidePressure: 1e5,
                temperatureKelvin: 295.15, specificGasConstant: 287.05) == 0)
    }

    @Test func leakMakesPressureFallMonotonically() {
        var cabin = CabinAtmosphere()
        let inputs = CabinAtmosphere.Inputs(crewCount: 4, scrubberStage: 1, leakAreaSquareMeters: 1e-4)
        var previous = cabin.totalPressurePascals
        for _ in 0..<3600 {
            cabin.step(dt: 1, inputs: inputs)
            #expect(cabin.totalPressurePascals < previous)
            previous = cabin.totalPressurePascals
        }
        // 1 cm² empties a 40 m³ cabin with a time constant of ~47.6 kg / 0.0143 kg/s ≈ 3300 s.
        #expect(previous < 50_000 && previous > 25_000)
    }

    @Test func scrubberHoldsCO2AndItsFailureLetsItClimb() {
        var working = CabinAtmosphere()
        var failed = CabinAtmosphere()
        for _ in 0..<(6 * 3600) {
            working.step(dt: 1, inputs: .init(crewCount: 4, scrubberStage: 1))
            failed.step(dt: 1, inputs: .init(crewCount: 4, scrubberStage: 1, scrubberFailed: true))
        }
        // Below the 0.40 kPa (3 mmHg) of NASA-STD-3001 V2 6004.
        #expect(working.co2PartialPressureKilopascals < 0.25)
        // 4 kg/day × 6 h = 1.0 kg CO2 in 40 m³ → ~1.4 kPa → ~1.4 %.
        #expect(failed.co2Percent > 1.2)
    }

    @Test func eachScrubberStageSettlesWhereRemovalMatchesTheCrewsProduction() {
        // Steady state by hand: ρ = G / (flow × efficiency), p = ρ / M × R × T at 295.15 K
        // (R × T = 2454.01 J/mol). 4 crew: G = 4 kg / 86 400 s = 4.6296e-5 kg/s.
        // Low stage (12 L/s × 0.9): ρ = 4.2867e-3 kg/m³ → 0.097405 mol/m³ → 239.0 Pa.
        // High stage (30 L/s × 0.9): 95.6 Pa. 12 crew on the high stage: 286.8 Pa.
        func settled(crew: Int, stage: Int) -> Double {
            var cabin = CabinAtmosphere()
            for _ in 0..<(12 * 3600) { cabin.step(dt: 1, inputs: .init(crewCount: crew, scrubberStage: stage)) }
            return cabin.co2PartialPressurePascals
        }
        let low = settled(crew: 4, stage: 1), high = settled(crew: 4, stage: 2), crowded = settled(crew: 12, stage: 2)
        #expect(abs(low - 239.0) < 1, "\(low) Pa")
        #expect(abs(high - 95.6) < 1, "\(high) Pa")
        #expect(abs(crowded - 286.8) < 1, "\(crowded) Pa")
    }
}

@Suite struct PhysicsThermalTests {
    @Test func heaterRaisesTemperatureAsCalculated() {
        // Heater 500 W + 4 × 100 W crew, UA 40 W/K, sink 5 °C → equilibrium 27.5 °C; C = 450 kJ/K.
        // After 1 h: 27.5 + (22 − 27.5)·e^(−40·3600/450 000) = 27.5 − 5.5·0.72615 = 23.5062 °C.
        var on = CabinThermal()
        var off = CabinThermal()
        for _ in 0..<3600 {
            on.step(dt: 1, inputs: .init(heaterOn: true, crewCount: 4))
            off.step(dt: 1, inputs: .init(heaterOn: false, crewCount: 4))
        }
        #expect(abs(on.temperatureCelsius - 23.5062) < 1e-3)
        #expect(on.temperatureCelsius > 22)
        #expect(off.temperatureCelsius < 22)
    }
}

@Suite struct PhysicsPowerTests {
    @Test func eclipseFractionFromTheBetaAngle() {
        // β = 0 at 400 km: acos(√(h² + 2Rh) / (R + h)) / π = acos(0.338618) / π = 0.39004.
        #expect(abs(CircularOrbit().eclipseFraction - 0.39004) < 1e-4)
        // β above β* = asin(R / (R + h)) = 70.2°: no eclipse.
        #expect(CircularOrbit(eclipse: .betaAngle(degrees: 75)).eclipseFraction == 0)
    }

    @Test func eclipseTimeOverOneOrbitMatchesTheConfiguration() {
        var configuration = PowerSystem.Configuration()
        configuration.orbit = CircularOrbit(periodSeconds: 5556, eclipse: .duration(seconds: 2100))
        var power = PowerSystem(configuration: configuration)
        var dark = 0
        for _ in 0..<5556 {
            power.step(dt: 1, inputs: .init())
            if power.inEclipse { dark += 1 }
        }
        #expect(abs(dark - 2100) <= 1)
    }

    @Test func batteryDrainsInEclipseAndChargesInSunlight() throws {
        var power = PowerSystem()
        let inputs = PowerSystem.Inputs(loadSwitches: ["payload": true, "radio": true])
        let start = power.stateOfCharge
        var atEclipseEntry: Double?
        var atEclipseExit: Double?
        var sawCharging = false, sawDischarging = false
        for _ in 0..<5556 {
            let wasDark = power.inEclipse
            power.step(dt: 1, inputs: inputs)
            if power.inEclipse && !wasDark { atEclipseEntry = power.stateOfCharge }
            if !power.inEclipse && wasDark { atEclipseExit = power.stateOfCharge }
            if power.inEclipse {
                #expect(power.arrayCurrent == 0 && power.batteryCurrent < 0)
                sawDischarging = sawDischarging || power.chargeState == .discharging
            } else {
                // 3 m² × 0.29 × 1361 W/m² = 1184.1 W at the array, 1124.9 W after the MPPT.
                #expect(abs(power.arrayPowerWatts - 1184.07) < 0.01)
                sawCharging = sawCharging || power.chargeState == .charging
            }
        }
        // Loads: avionics 120 + payload 150 + radio 40 = 310 W.
        #expect(power.loadPowerWatts == 310)
        let entry = try #require(atEclipseEntry)
        let exit = try #require(atEclipseExit)
        #expect(entry > start)
        // 310 W for 0.39 × 5556 s = 2167 s at ~29 V: ~6.4 Ah of 100 Ah.
        #expect(entry - exit > 0.055 && entry - exit < 0.075)
        #expect(power.stateOfCharge > exit)
        #expect(sawCharging && sawDischarging)
    }

    @Test func switchedLoadsDrawOnlyWhenOn() {
        var power = PowerSystem()
        power.step(dt: 1, inputs: .init(loadSwitches: [:]))
        #expect(power.loadPowerWatts == 120)
        power.step(dt: 1, inputs: .init(loadSwitches: ["payload": true, "non_essential_heaters": false], extraLoadWatts: 30))
        #expect(power.loadPowerWatts == 300)
    }

    @Test func terminalVoltageFollowsTheOpenCircuitCurve() {
        // 8 cells: OCV at 50 % = 3.72 V × 8 = 29.76 V.
        #expect(abs(PowerSystem.cellOpenCircuitVoltage(stateOfCharge: 0.5) - 3.72) < 1e-12)
        #expect(abs(PowerSystem.cellOpenCircuitVoltage(stateOfCharge: 0.55) - 3.75) < 1e-12)
        var configuration = PowerSystem.Configuration()
        configuration.initialStateOfCharge = 0.5
        #expect(abs(PowerSystem(configuration: configuration).openCircuitVoltage - 29.76) < 1e-9)
    }
}

@Suite struct PhysicsAttitudeTests {
    @Test func quaternionStaysUnitOverTenThousandSteps() {
        var configuration = AttitudeDynamics.Configuration()
        configuration.initialRate = SIMD3(0.05, -0.03, 0.02)
        var body = AttitudeDynamics(configuration: configuration, seed: 1)
        for _ in 0..<10_000 {
            body.step(dt: 0.1, inputs: .init(extraTorque: SIMD3(0.5, -0.2, 0.3)))
            #expect(abs(body.attitude.norm - 1) < 1e-12)
        }
    }

    @Test func torqueAboutAPrincipalAxisSpinsItUpAsCalculated() {
        // From rest, τ = 2 N·m about z, I_z = 6500 kg·m²: ω = τ·t / I = 2 × 100 / 6500 = 0.030769 rad/s;
        // angle = ½·τ·t² / I = 1.538462 rad about z.
        var configuration = AttitudeDynamics.Configuration()
        configuration.initialRate = .zero
        configuration.disturbanceTorque = .zero
        var body = AttitudeDynamics(configuration: configuration, seed: 1)
        for _ in 0..<1000 { body.step(dt: 0.1, inputs: .init(controlTorque: SIMD3(0, 0, 2))) }
        #expect(abs(body.rate.z - 0.030769) < 1e-6)
        #expect(abs(body.attitude.angle(to: .identity) - 1.538462) < 1e-5)
        #expect(abs(body.attitude.z - 0.695583) < 1e-5) // sin(1.538462 / 2)
    }

    @Test func starTrackerLosesTrackWhenBlindedAndReacquires() {
        var body = AttitudeDynamics(seed: 3)
        body.step(dt: 1, inputs: .init())
        #expect(body.starTrackerMeasurement != nil)
        // Noise is arcseconds: the measurement is within 10σ of truth.
        #expect(body.attitude.angle(to: body.starTrackerMeasurement!) < 10 * 40 / 3600 * .pi / 180)
        body.step(dt: 1, inputs: .init(starTrackerBlinded: true))
        #expect(body.starTrackerMeasurement == nil)
        for _ in 0..<9 { body.step(dt: 1, inputs: .init()) }
        #expect(body.starTrackerMeasurement == nil) // 9 s of the 10 s reacquisition
        body.step(dt: 1, inputs: .init())
        #expect(body.starTrackerMeasurement != nil)
    }

    @Test func starTrackerLosesTrackAboveItsRate() {
        var configuration = AttitudeDynamics.Configuration()
        configuration.initialRate = SIMD3(0, 0, 2 * .pi / 180) // 2 °/s
        var body = AttitudeDynamics(configuration: configuration, seed: 3)
        body.step(dt: 0.1, inputs: .init())
        #expect(!body.starTrackerTracking)
    }

    @Test func gyroMeasuresRatePlusBias() {
        var configuration = AttitudeDynamics.Configuration()
        configuration.gyroAngleRandomWalkDegreesPerRootHour = 0
        var body = AttitudeDynamics(configuration: configuration, seed: 3)
        body.step(dt: 0.1, inputs: .init())
        // Bias 1 °/h about x = 4.8481e-6 rad/s.
        #expect(abs(body.gyroMeasurement.x - body.rate.x - 4.8481e-6) < 1e-10)
    }
}

@Suite struct PhysicsRadiationTests {
    @Test func saaPassesRaiseTheDoseOnSomeOrbitsAndStormsMultiplyIt() {
        var environment = RadiationEnvironment()
        #expect(environment.doseRateMicrosievertsPerHour == 10)
        // 10 µSv/h / 0.0057 = 1754.39 CPM = 29.240 counts/s.
        #expect(abs(environment.expectedCountRate(microsievertsPerHourPerCPM: 0.0057) - 29.240) < 1e-3)
        var peak = 0.0
        var orbitsWithPass = Set<Int>()
        let orbit = CircularOrbit()
        for second in 1...86_400 {
            environment.step(dt: 1, inputs: .init())
            peak = max(peak, environment.doseRateMicrosievertsPerHour)
            if environment.inSAA { orbitsWithPass.insert(orbit.orbitNumber(at: Double(second))) }
        }
        #expect(abs(peak - 150) < 0.1) // 15 × background at the pass's middle
        // Ground track moves 360 × 5556 / 86 164 = 23.2° per orbit; ±45° of the SAA → 3 or 4 of ~15.5 orbits.
        #expect((3...5).contains(orbitsWithPass.count))
        environment.step(dt: 1, inputs: .init(stormMultiplier: 4))
        #expect(environment.doseRateMicrosievertsPerHour >= 40)
    }
}

@Suite struct PhysicsVehicleTests {
    private func trajectory(seed: UInt64) -> [SIMD3<Double>] {
        var vehicle = VehiclePhysics(seed: seed)
        var gyro: [SIMD3<Double>] = []
        for _ in 0..<500 {
            vehicle.step(dt: 0.1)
            gyro.append(vehicle.attitude.gyroMeasurement)
        }
        return gyro
    }

    @Test func sameSeedSameTrajectoryOtherSeedOtherNoise() {
        #expect(trajectory(seed: 42) == trajectory(seed: 42))
        let a = trajectory(seed: 42), b = trajectory(seed: 43)
        #expect(a != b)
        #expect(zip(a, b).allSatisfy { (($0 - $1) * ($0 - $1)).sum().squareRoot() < 1e-3 }) // only the noise differs
    }

    @Test func bangBangLifeSupportHoldsTheCabinForADay() {
        // The defaults are sized so a plain controller holds ppO2 ~21 kPa, ppCO2 below the 0.40 kPa
        // (3 mmHg) of NASA-STD-3001 V2 6004, 21–24 °C.
        var vehicle = VehiclePhysics(seed: 7)
        var minO2 = Double.infinity, maxO2 = 0.0, maxCO2 = 0.0, minT = Double.infinity, maxT = 0.0, minSoC = 1.0
        for _ in 0..<(24 * 3600) {
            var inputs = vehicle.inputs
            let ppO2 = vehicle.atmosphere.o2PartialPressureKilopascals
            if ppO2 < 20.8 { inputs.o2ValveOpen = true } else if ppO2 > 21.4 { inputs.o2ValveOpen = false }
            let celsius = vehicle.thermal.temperatureCelsius
            if celsius < 21.8 { inputs.heaterOn = true } else if celsius > 22.8 { inputs.heaterOn = false }
            inputs.scrubberStage = vehicle.atmosphere.co2PartialPressureKilopascals > 0.30 ? 2 : 1
            vehicle.step(dt: 1, inputs: inputs)
            minO2 = min(minO2, vehicle.atmosphere.o2PartialPressureKilopascals)
            maxO2 = max(maxO2, vehicle.atmosphere.o2PartialPressureKilopascals)
            maxCO2 = max(maxCO2, vehicle.atmosphere.co2PartialPressureKilopascals)
            minT = min(minT, vehicle.thermal.temperatureCelsius)
            maxT = max(maxT, vehicle.thermal.temperatureCelsius)
            minSoC = min(minSoC, vehicle.power.stateOfCharge)
        }
        #expect(minO2 > 20.5 && maxO2 < 21.8)
        #expect(maxCO2 < 0.25)
        #expect(minT > 21 && maxT < 24)
        #expect(minSoC > 0.5)
        #expect(vehicle.atmosphere.relativeHumidityPercent < 70)
        #expect(abs(vehicle.time - 86_400) < 1e-6)
    }
}
