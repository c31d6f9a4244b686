import HAL

/// The attitude rate group's attitude determination: the gyro rates and the star tracker's
/// quaternion from the pool into ``AttitudeFilter``, its estimate back into the pool.
///
/// Each cycle (after `sample-ingest`): a new gyro sample propagates the filter to the sample's
/// time; without one the filter propagates on its last rate, so the covariance keeps growing.
/// A new, valid tracker quaternion is applied at its time tag, mapped from the tracker's clock to
/// the flight clock by the lower envelope of (read time − tag): the read with the least delay
/// since the tracker's epoch defines the offset, a tag that runs backwards (the tracker
/// restarted) starts the envelope again.
///
/// Parameters (IDs from ``Configuration/parameterIDBase``, default 0x0600):
///
/// | offset | name | unit | type | |
/// |---|---|---|---|---|
/// | +0x00…+0x03 | `att.q_w`, `att.q_x`, `att.q_y`, `att.q_z` | – | f64 | inertial → body; invalid until the first tracker attitude |
/// | +0x04…+0x06 | `att.rate_x_rad_s` … `att.rate_z_rad_s` | rad/s | f32 | bias-corrected |
/// | +0x07…+0x09 | `att.bias_x_deg_h` … `att.bias_z_deg_h` | °/h | f32 | gyro bias estimate |
/// | +0x0A…+0x0C | `att.sigma3_x_arcsec` … `att.sigma3_z_arcsec` | arcsec | f32 | 3σ of the attitude error per body axis |
/// | +0x0D | `att.updates` | – | u32 | tracker measurements applied |
/// | +0x0E | `att.rejections` | – | u32 | refused by the χ² gate |
/// | +0x0F | `att.chi2` | – | f32 | the last innovation's χ² (3 dof) |
/// | +0x10 | `att.state` | – | u8 | 0 no attitude, 1 uncertain (3σ above the limit), 2 determined |
/// | +0x11 | `att.determined` | – | bool | `att.state` = 2: what the mode machine's attitude-lost rule reads |
/// | +0x12 | `att.resets` | – | u32 | restarts from the tracker after consistent rejections |
///
/// - Warning: Executive thread (the attitude group). Fixed work per cycle, no allocation.
public final class AttitudeDetermination: RateGroupMember {
    public let name = "attitude-filter"

    /// `[attitude]` in the configuration.
    public struct Configuration: Sendable, Equatable {
        public var gyroParameters = ["dev.imu.rate_x_rad_s", "dev.imu.rate_y_rad_s", "dev.imu.rate_z_rad_s"]
        public var trackerQuaternionParameters = ["dev.star-tracker.q_w", "dev.star-tracker.q_x", "dev.star-tracker.q_y", "dev.star-tracker.q_z"]
        public var trackerValidParameter = "dev.star-tracker.tracking"
        public var trackerTimeTagParameter = "dev.star-tracker.time_tag_s"
        /// Gyro angle random walk (rad/s^½), including the converter's quantization, and rate random walk (rad/s^3/2).
        public var angleRandomWalk = 3.0e-5
        public var rateRandomWalk = 1.0e-9
        /// Tracker noise 1σ per body axis, arcsec (boresight along +Z: worst about it).
        public var trackerNoiseArcseconds = SIMD3<Double>(5, 5, 40)
        public var gate = 16.27
        public var uncertainLimitArcseconds = 300.0
        public var parameterIDBase: UInt16 = 0x0600

        public init() {}

        /// Reads `[attitude]`; absent keys keep their defaults, unknown keys are rejected.
        ///
        /// Keys: `gyro_parameters` (3 names), `tracker_quaternion_parameters` (4: w, x, y, z),
        /// `tracker_valid_parameter`, `tracker_time_tag_parameter`, `gyro_arw_rad_root_s`,
        /// `gyro_rrw_rad_s_root_s`, `tracker_noise_arcsec` (x, y, z), `gate_chi2`,
        /// `uncertain_limit_arcsec`, `parameter_id_base`.
        public init(table: ConfigTable) throws(ConfigurationError) {
            self.init()
            gyroParameters = try table.strings("gyro_parameters", default: gyroParameters)
            guard gyroParameters.count == 3 else { throw table.error("gyro_parameters", "expected 3 parameter names (x, y, z)") }
            trackerQuaternionParameters = try table.strings("tracker_quaternion_parameters", default: trackerQuaternionParameters)
            guard trackerQuaternionParameters.count == 4 else { throw table.error("tracker_quaternion_parameters", "expected 4 parameter names (w, x, y, z)") }
            trackerValidParameter = try table.string("tracker_valid_parameter", default: trackerValidParameter)
            trackerTimeTagParameter = try table.string("tracker_time_tag_parameter", default: trackerTimeTagParameter)
            angleRandomWalk = try table.double("gyro_arw_rad_root_s", default: angleRandomWalk, in: 1e-12...1)
            rateRandomWalk = try table.double("gyro_rrw_rad_s_root_s", default: rateRandomWalk, in: 1e-15...1)
            let noise = try table.doubles("tracker_noise_arcsec", default: [trackerNoiseArcseconds.x, trackerNoiseArcseconds.y, trackerNoiseArcseconds.z])
            guard noise.count == 3, noise.allSatisfy({ $0 > 0 && $0 < 36_000 }) else {
                throw table.error("tracker_noise_arcsec", "expected 3 positive values (x, y, z), arcseconds")
            }
            trackerNoiseArcseconds = SIMD3(noise[0], noise[1], noise[2])
            gate = try table.double("gate_chi2", default: gate, in: 1...1000)
            uncertainLimitArcseconds = try table.double("uncertain_limit_arcsec", default: uncertainLimitArcseconds, in: 0.1...648_000)
            parameterIDBase = UInt16(try table.int("parameter_id_base", default: Int(parameterIDBase), in: 0...0xFF00))
            try table.rejectUnknownKeys()
        }

        var filter: AttitudeFilter.Configuration {
            let arcsec = Double.pi / 180 / 3600
            return AttitudeFilter.Configuration(
                angleRandomWalk: angleRandomWalk, rateRandomWalk: rateRandomWalk, trackerNoise: trackerNoiseArcseconds * arcsec,
                initialAttitudeSigma: 3 * max(trackerNoiseArcseconds.x, max(trackerNoiseArcseconds.y, trackerNoiseArcseconds.z)) * arcsec,
                gate: gate, uncertainLimit: uncertainLimitArcseconds * arcsec)
        }
    }

    /// `att.state` values.
    public enum State: UInt8, Sendable {
        case none = 0, uncertain, determined
    }

    public let configuration: Configuration
    public private(set) var filter: AttitudeFilter
    private let pool: ParameterPool
    private let events: any EventSink
    private let gyro: [ParameterHandle]
    private let quaternion: [ParameterHandle]
    private let trackerValid: ParameterHandle
    private let timeTag: ParameterHandle
    private let outputs: [ParameterHandle]
    private var lastGyro: MonotonicInstant?
    private var lastTracker: MonotonicInstant?
    /// min(read − tag) since the tracker's epoch, and the last tag.
    private var clockOffset: Double?
    private var lastTag: Double?
    private var state = State.none

    public init(configuration: Configuration, pool: ParameterPool, events: any EventSink) throws(ControlSetupError) {
        self.configuration = configuration
        self.pool = pool
        self.events = events
        filter = AttitudeFilter(configuration: configuration.filter)
        var gyro: [ParameterHandle] = []
        for name in configuration.gyroParameters { gyro.append(try ControlSetup.input(pool, key: "gyro_parameters", name: name)) }
        var quaternion: [ParameterHandle] = []
        for name in configuration.trackerQuaternionParameters {
            quaternion.append(try ControlSetup.input(pool, key: "tracker_quaternion_parameters", name: name))
        }
        self.gyro = gyro
        self.quaternion = quaternion
        trackerValid = try ControlSetup.input(pool, key: "tracker_valid_parameter", name: configuration.trackerValidParameter)
        timeTag = try ControlSetup.input(pool, key: "tracker_time_tag_parameter", name: configuration.trackerTimeTagParameter)
        let block = ControlSetup.ParameterBlock(pool: pool, base: configuration.parameterIDBase)
        var outputs: [ParameterHandle] = []
        for (offset, axis) in ["w", "x", "y", "z"].enumerated() { outputs.append(try block.derived(offset, "att.q_\(axis)", "", .f64)) }
        for (offset, axis) in ["x", "y", "z"].enumerated() { outputs.append(try block.derived(0x04 + offset, "att.rate_\(axis)_rad_s", "rad/s", .f32)) }
        for (offset, axis) in ["x", "y", "z"].enumerated() { outputs.append(try block.derived(0x07 + offset, "att.bias_\(axis)_deg_h", "deg/h", .f32)) }
        for (offset, axis) in ["x", "y", "z"].enumerated() { outputs.append(try block.derived(0x0A + offset, "att.sigma3_\(axis)_arcsec", "arcsec", .f32)) }
        outputs.append(try block.derived(0x0D, "att.updates", "", .u32))
        outputs.append(try block.derived(0x0E, "att.rejections", "", .u32))
        outputs.append(try block.derived(0x0F, "att.chi2", "", .f32))
        outputs.append(try block.derived(0x10, "att.state", "", .u8))
        outputs.append(try block.derived(0x11, "att.determined", "", .bool))
        outputs.append(try block.derived(0x12, "att.resets", "", .u32))
        self.outputs = outputs
    }

    public func run(_ cycle: CycleContext) {
        // Gyro: a new sample propagates to its own time; none, the last rate to the cycle's.
        let samples = (pool[gyro[0]], pool[gyro[1]], pool[gyro[2]])
        let fresh = samples.0.validity == .valid && samples.1.validity == .valid && samples.2.validity == .valid
        if fresh, lastGyro.map({ samples.0.timestamp > $0 }) ?? true {
            lastGyro = samples.0.timestamp
            filter.propagate(gyro: SIMD3(samples.0.value, samples.1.value, samples.2.value), to: samples.0.timestamp.seconds)
        } else if !fresh {
            filter.propagate(gyro: filter.rate + filter.bias, to: cycle.time.seconds)
        }
        // Tracker: a new valid quaternion, at its tag on the flight clock.
        let w = pool[quaternion[0]]
        if w.validity == .valid, pool[trackerValid].value == 1, lastTracker.map({ w.timestamp > $0 }) ?? true,
            let tag = pool[timeTag].validValue
        {
            lastTracker = w.timestamp
            if let previous = lastTag, tag < previous { clockOffset = nil } // the tracker restarted
            lastTag = tag
            let offset = min(clockOffset ?? .infinity, w.timestamp.seconds - tag)
            clockOffset = offset
            let measured = AttitudeQuaternion(
                w: w.value, x: pool[quaternion[1]].value, y: pool[quaternion[2]].value, z: pool[quaternion[3]].value)
            _ = filter.update(measured: measured.normalized, at: min(tag + offset, filter.time))
        }
        publish(at: cycle.time)
    }

    private func publish(at time: MonotonicInstant) {
        let arcsec = Double.pi / 180 / 3600
        let previous = state
        if let q = filter.attitude {
            // Four sets, not a loop over an array literal: nothing allocated in the 50 Hz cycle.
            pool.set(outputs[0], q.w, at: time)
            pool.set(outputs[1], q.vector.x, at: time)
            pool.set(outputs[2], q.vector.y, at: time)
            pool.set(outputs[3], q.vector.z, at: time)
            state = filter.isUncertain ? .uncertain : .determined
        } else {
            for index in 0..<4 { pool.invalidate(outputs[index], at: time) }
            state = .none
        }
        let rate = filter.rate
        let bias = filter.bias / (arcsec) // rad/s → arcsec/s = °/h
        let sigma = filter.threeSigma / arcsec
        for axis in 0..<3 {
            pool.set(outputs[4 + axis], rate[axis], at: time)
            pool.set(outputs[7 + axis], bias[axis], at: time)
            pool.set(outputs[10 + axis], sigma[axis], at: time)
        }
        pool.set(outputs[13], Double(filter.updates), at: time)
        pool.set(outputs[14], Double(filter.rejections), at: time)
        pool.set(outputs[15], filter.lastChiSquared, at: time)
        pool.set(outputs[16], Double(state.rawValue), at: time)
        pool.set(outputs[17], state == .determined ? 1 : 0, at: time)
        pool.set(outputs[18], Double(filter.resets), at: time)
        guard state != previous else { return }
        if state == .determined {
            events.raise(FlightEvent(id: AttitudeEvents.determined, severity: .informative, time: time, a: sigma.max(), count: 1))
        } else if previous == .determined {
            events.raise(FlightEvent(id: AttitudeEvents.uncertain, severity: .medium, time: time, a: sigma.max(), b: configuration.uncertainLimitArcseconds, count: 2))
        }
    }
}

/// Attitude determination's events (range 0x0D00–0x0D3F).
public enum AttitudeEvents: EventDefinitionProvider {
    public static let determined = EventID(0x0D01)
    public static let uncertain = EventID(0x0D02)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                determined, "attitude_determined", .informative, arguments: ["largest 3σ (arcsec)"],
                "The attitude filter's 3σ is within the limit: attitude determined."),
            EventDefinition(
                uncertain, "attitude_uncertain", .medium, arguments: ["largest 3σ (arcsec)", "limit (arcsec)"],
                "The attitude filter's 3σ exceeds the configured limit (a star-tracker outage propagated on the gyro)."),
        ]
    }
}
