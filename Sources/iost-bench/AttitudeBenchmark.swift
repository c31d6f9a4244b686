import FlightCore
import HAL
import LinuxHAL

/// `iost-bench attitude`: the cost of the attitude filter's work in one attitude cycle — a gyro
/// propagation, plus a star-tracker update every `--ratio` cycles as in flight (50 Hz gyro,
/// 1 Hz tracker: 50) — timed per call with the monotonic clock, over `--steps` cycles.
/// Reports the per-call distribution of propagate and of propagate + update (µs).
enum AttitudeBenchmark {
    static func run(_ options: Options) -> JSONObject {
        let steps = options.int("steps", default: 200_000)
        let ratio = max(1, options.int("ratio", default: 50))
        let clock = SystemMonotonicClock.shared
        let arcsec = Double.pi / 180 / 3600
        var filter = AttitudeFilter(
            configuration: AttitudeFilter.Configuration(
                angleRandomWalk: 3.16e-7, rateRandomWalk: 3.16e-10, trackerNoise: SIMD3(6 * arcsec, 6 * arcsec, 30 * arcsec)))
        let rate = SIMD3<Double>(0.001, -0.0011, 0.0005)
        var truth = AttitudeQuaternion(w: 0.5, x: 0.5, y: 0.5, z: 0.5).normalized
        _ = filter.update(measured: truth, at: 0)
        var propagateOnly: [Double] = []
        var withUpdate: [Double] = []
        propagateOnly.reserveCapacity(steps)
        withUpdate.reserveCapacity(steps / ratio + 1)
        let dt = 0.02
        var checksum = 0.0
        for step in 1...steps {
            let t = Double(step) * dt
            truth = (AttitudeQuaternion.rotation(rate * dt) ⊗ truth).normalized
            let start = clock.now
            filter.propagate(gyro: rate, to: t)
            if step % ratio == 0 {
                _ = filter.update(measured: truth, at: t - 0.1)
                withUpdate.append(Double((clock.now - start).nanoseconds) / 1000)
            } else {
                propagateOnly.append(Double((clock.now - start).nanoseconds) / 1000)
            }
            checksum += filter.threeSigma.x
        }
        var object = JSONObject()
        Distribution(propagateOnly).summary(into: &object, prefix: "propagate_", suffix: "_us")
        Distribution(withUpdate).summary(into: &object, prefix: "propagate_update_", suffix: "_us")
        object.add("updates", filter.updates)
        object.add("rejections", filter.rejections)
        object.add("checksum", checksum, digits: 6)
        return object
    }
}
