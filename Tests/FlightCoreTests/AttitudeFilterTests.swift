import Testing

@testable import FlightCore

#if canImport(Glibc)
    import Glibc
#endif

/// The gyro-bias MEKF against the standard test case (Crassidis & Junkins, Optimal Estimation of
/// Dynamic Systems, example 7.1): σv = √10·10⁻⁷ rad/s^½, σu = √10·10⁻¹⁰ rad/s^3/2, an initial
/// bias of 0.1 °/h per axis, a star tracker of 6 arcsec (1σ per axis) at 1 Hz, 90 minutes, and a
/// 10-minute tracker outage in the second hour. Truth and sensors are simulated here with a
/// seeded generator, so every figure is measured against truth.
@Suite struct AttitudeFilterTests {
    static let arcsec = Double.pi / 180 / 3600
    static let sigmaV = (10.0).squareRoot() * 1e-7
    static let sigmaU = (10.0).squareRoot() * 1e-10
    static let tracker = 6 * arcsec

    /// A deterministic normal generator (SplitMix64 + Box–Muller).
    struct Normal {
        var state: UInt64
        var spare: Double?
        mutating func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
        }
        mutating func next() -> Double {
            if let spare {
                self.spare = nil
                return spare
            }
            let r = (-2 * log(uniform())).squareRoot()
            let theta = 2 * Double.pi * uniform()
            spare = r * sin(theta)
            return r * cos(theta)
        }
        mutating func vector(_ sigma: Double) -> SIMD3<Double> { SIMD3(next(), next(), next()) * sigma }
    }

    struct Run {
        var errors: [(time: Double, error: SIMD3<Double>, threeSigma: SIMD3<Double>)] = []
        var biasError: SIMD3<Double> = .zero
        var filter: AttitudeFilter
    }

    /// Simulates `minutes` of the reference case; the tracker is silent in `outage` (s).
    static func simulate(
        minutes: Double, gyroRate: Double = 50, outage: ClosedRange<Double>? = nil, rate: SIMD3<Double> = SIMD3(0, -0.0011, 0),
        latency: Double = 0, honourTag: Bool = true, seed: UInt64 = 7
    ) -> Run {
        var noise = Normal(state: seed)
        let dt = 1 / gyroRate
        var truth = AttitudeQuaternion(w: 0.5, x: 0.5, y: 0.5, z: 0.5).normalized
        var bias = SIMD3<Double>(repeating: 0.1 * .pi / 180 / 3600)
        let configuration = AttitudeFilter.Configuration(
            angleRandomWalk: sigmaV, rateRandomWalk: sigmaU, trackerNoise: SIMD3(repeating: tracker), initialAttitudeSigma: 100 * arcsec)
        var run = Run(filter: AttitudeFilter(configuration: configuration))
        let steps = Int(minutes * 60 * gyroRate)
        let perMeasurement = Int(gyroRate)
        var pending: (q: AttitudeQuaternion, taken: Double)?
        var truthAtTag = truth
        for step in 1...steps {
            let t = Double(step) * dt
            // Truth over the step, and the gyro's discrete model (Crassidis & Junkins eq. 7.36).
            let nextBias = bias + noise.vector(sigmaU * dt.squareRoot())
            let measured = rate + (bias + nextBias) / 2 + noise.vector((sigmaV * sigmaV / dt + sigmaU * sigmaU * dt / 12).squareRoot())
            bias = nextBias
            truth = (AttitudeQuaternion.rotation(rate * dt) ⊗ truth).normalized
            run.filter.propagate(gyro: measured, to: t)
            if step % perMeasurement == 0, !(outage?.contains(t) ?? false) {
                let q = (AttitudeQuaternion.rotation(noise.vector(tracker)) ⊗ truth).normalized
                pending = (q, t)
                truthAtTag = truth
            }
            if let measurement = pending, t >= measurement.taken + latency - 1e-9 {
                _ = run.filter.update(measured: measurement.q, at: honourTag ? measurement.taken : t)
                pending = nil
            }
            _ = truthAtTag
            if step % 10 == 0, let estimate = run.filter.attitude {
                run.errors.append((t, truth.error(from: estimate), run.filter.threeSigma))
            }
        }
        run.biasError = run.filter.bias - bias
        return run
    }

    static func rms(_ values: [Double]) -> Double { (values.map { $0 * $0 }.reduce(0, +) / Double(max(1, values.count))).squareRoot() }

    @Test func theReferenceCaseIsAccurateAndConsistentThroughAnOutage() {
        let outage = 3900.0...4500.0
        let run = Self.simulate(minutes: 90, gyroRate: 10, outage: outage)
        let steady = run.errors.filter { $0.time >= 1800 && !outage.contains($0.time) && !(4500...4800).contains($0.time) }
        for axis in 0..<3 {
            let rms = Self.rms(steady.map { $0.error[axis] }) / Self.arcsec
            #expect(rms <= 2, "axis \(axis): steady-state RMS \(rms) arcsec")
            let within = run.errors.filter { $0.time >= 60 }.filter { abs($0.error[axis]) <= $0.threeSigma[axis] }.count
            let share = Double(within) / Double(run.errors.filter { $0.time >= 60 }.count)
            #expect(share >= 0.99, "axis \(axis): \(share * 100) % within 3σ")
        }
        let biasError = length(run.biasError) / (.pi / 180 / 3600)
        #expect(biasError <= 0.01, "bias error \(biasError) °/h")
        // In the outage the error stays inside a growing 3σ, and re-acquisition converges without a reset.
        let during = run.errors.filter { outage.contains($0.time) }
        #expect(during.allSatisfy { e in (0..<3).allSatisfy { abs(e.error[$0]) <= e.threeSigma[$0] } })
        let grew = (during.last?.threeSigma.x ?? 0) / (during.first?.threeSigma.x ?? 1)
        #expect(grew > 1.5, "3σ grew by \(grew) in the outage")
        // The gate (p = 0.001) refuses about one valid measurement in a thousand; none in a row.
        #expect(run.filter.rejections <= 15 && run.filter.updates > 4700 && run.filter.resets == 0, "\(run.filter.rejections) rejected")
    }

    @Test func aDivergedEstimateRestartsFromTheTrackerAfterFiveRejectionsInARow() {
        var run = Self.simulate(minutes: 2, gyroRate: 10)
        let truthish = run.filter.attitude ?? .identity
        let far = AttitudeQuaternion.rotation(SIMD3(0, 0.01, 0)) ⊗ truthish // 34 arcmin away
        // Five refused in a row, then the sixth restarts the filter on it.
        for index in 1...6 {
            let outcome = run.filter.update(measured: far, at: run.filter.time)
            if index <= 5 {
                #expect(run.filter.resets == 0 && run.filter.rejections == index)
            } else {
                #expect(outcome == .initialized && run.filter.resets == 1 && (run.filter.attitude.map { $0.angle(to: far) } ?? 1) < 1e-9)
            }
        }
    }

    @Test func anOutlierIsGatedAndCounted() {
        var run = Self.simulate(minutes: 5, gyroRate: 10)
        let estimate = run.filter.attitude ?? .identity
        let before = run.filter.updates
        let outcome = run.filter.update(measured: AttitudeQuaternion.rotation(SIMD3(200 * Self.arcsec, 0, 0)) ⊗ estimate, at: run.filter.time)
        guard case .rejected(let chi2) = outcome else {
            Issue.record("expected a rejection, got \(outcome)")
            return
        }
        #expect(chi2 > 16.27 && run.filter.rejections == 1 && run.filter.updates == before)
        #expect(run.filter.attitude == estimate, "a rejected measurement changes nothing")
    }

    @Test func theTimeTagIsHonoured() {
        // Slewing at 0.5 °/s, a measurement read 0.3 s after it was taken: applied at its tag it
        // is as good as an instantaneous one; applied as if taken when read it is 0.15° off.
        let slew = SIMD3<Double>(0, 0, 0.5 * .pi / 180)
        func steadyRMS(_ run: Run) -> Double { Self.rms(run.errors.filter { $0.time > 120 }.map { length($0.error) }) / Self.arcsec }
        let instant = steadyRMS(Self.simulate(minutes: 4, gyroRate: 50, rate: slew))
        let tagged = steadyRMS(Self.simulate(minutes: 4, gyroRate: 50, rate: slew, latency: 0.3))
        let untagged = steadyRMS(Self.simulate(minutes: 4, gyroRate: 50, rate: slew, latency: 0.3, honourTag: false))
        #expect(tagged < 1.5 * instant + 1, "tagged \(tagged) arcsec vs instantaneous \(instant)")
        #expect(untagged > 400, "untagged \(untagged) arcsec: the estimate lags by the read latency")
    }
}
