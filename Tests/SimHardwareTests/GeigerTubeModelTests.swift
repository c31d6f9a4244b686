import HAL
import SimHardware
import Testing

@Suite struct GeigerTubeModelTests {
    /// Runs a tube for `seconds` in steps of `step`, draining the line after each, and returns the
    /// falling-edge timestamps.
    private func run(seed: UInt64, rate: Double, deadTime: Double, seconds: Int, step: Duration = .milliseconds(100)) throws -> (timestamps: [UInt64], model: GeigerTubeModel, chip: SimGPIOChip) {
        let clock = SimClock()
        let chip = SimGPIOChip(lineNames: ["gm"])
        let line = try chip.requestEdgeEvents(.offset(0), edge: .falling, options: GPIOLineOptions())
        let tube = GeigerTubeModel(
            chip: chip, line: .offset(0), seed: seed,
            configuration: .init(deadTimeSeconds: deadTime, pulseWidthSeconds: min(deadTime, 100e-6)))
        tube.trueCountRate = rate
        tube.attach(to: clock)
        var stamps: [UInt64] = []
        let steps = Int((Duration.seconds(seconds) / step).rounded())
        for _ in 0..<steps {
            clock.advance(by: step)
            stamps += try line.waitForEvents(timeout: .zero).map(\.timestampNanoseconds)
        }
        return (stamps, tube, chip)
    }

    @Test func poissonMeanWithoutDeadTime() throws {
        // 20 counts/s for 10 000 s: mean 200 000, σ = √200 000 = 447. Seed fixed: deterministic;
        // the 5σ bound (±2236) holds for all but ~6e-7 of seeds.
        let result = try run(seed: 11, rate: 20, deadTime: 0, seconds: 10_000, step: .seconds(1))
        #expect(abs(Double(result.timestamps.count) - 200_000) <= 5 * 447)
        #expect(result.model.statistics.lostToDeadTime == 0)
        #expect(result.chip.droppedEvents == 0)
    }

    @Test func deadTimeLosesPulsesLikeARealTube() throws {
        // 2000 counts/s true, τ = 190 µs, 100 s: registered m = n / (1 + n·τ) = 2000 / 1.38
        // = 1449.28 /s → 144 928 expected. The dead-time process is less variable than Poisson
        // (σ² = T·n/(1 + nτ)³ = 76 104, σ = 276); the bound uses the larger Poisson σ = √144 928 = 381.
        let result = try run(seed: 5, rate: 2000, deadTime: 190e-6, seconds: 100)
        #expect(abs(Double(result.timestamps.count) - 144_928) <= 5 * 381)
        let gaps = zip(result.timestamps.dropFirst(), result.timestamps).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 >= 190_000 })
        let stats = result.model.statistics
        #expect(stats.pulses == result.timestamps.count)
        #expect(stats.events == stats.pulses + stats.lostToDeadTime)
        #expect(result.chip.droppedEvents == 0)
    }

    @Test func sameSeedSamePulsesOtherSeedOtherPulses() throws {
        let a = try run(seed: 99, rate: 100, deadTime: 190e-6, seconds: 10).timestamps
        let b = try run(seed: 99, rate: 100, deadTime: 190e-6, seconds: 10).timestamps
        let c = try run(seed: 100, rate: 100, deadTime: 190e-6, seconds: 10).timestamps
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy { $0 < 10_000_000_000 })
    }

    @Test func doseRateSetsTheCountRate() {
        let tube = GeigerTubeModel(chip: SimGPIOChip(lineNames: ["gm"]), line: .offset(0), seed: 1)
        // 10 µSv/h / 0.0057 µSv/h per CPM = 1754.386 CPM = 29.2398 counts/s.
        tube.setDoseRate(microsievertsPerHour: 10)
        #expect(abs(tube.trueCountRate - 29.2398) < 1e-4)
    }
}
