#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A unit quaternion, scalar first, Hamilton convention (`i·j = k`).
///
/// An attitude quaternion here rotates body-frame vectors into the inertial frame; its kinematics
/// with the body rate ω are `q̇ = ½·q ⊗ (0, ω)`.
public struct Quaternion: Sendable, Equatable {
    public var w: Double
    public var x: Double
    public var y: Double
    public var z: Double

    public init(w: Double, x: Double, y: Double, z: Double) {
        self.w = w
        self.x = x
        self.y = y
        self.z = z
    }

    public static let identity = Quaternion(w: 1, x: 0, y: 0, z: 0)

    /// The rotation by `|v|` radians about `v` (the exponential map).
    public init(rotationVector v: SIMD3<Double>) {
        let angle = (v * v).sum().squareRoot()
        guard angle > 1e-12 else {
            self.init(w: 1, x: v.x / 2, y: v.y / 2, z: v.z / 2)
            self = normalized
            return
        }
        let s = sin(angle / 2) / angle
        self.init(w: cos(angle / 2), x: v.x * s, y: v.y * s, z: v.z * s)
    }

    public var norm: Double { (w * w + x * x + y * y + z * z).squareRoot() }

    public var normalized: Quaternion {
        let n = norm
        return Quaternion(w: w / n, x: x / n, y: y / n, z: z / n)
    }

    public var conjugate: Quaternion { Quaternion(w: w, x: -x, y: -y, z: -z) }

    /// The Hamilton product `lhs ⊗ rhs`.
    public static func * (lhs: Quaternion, rhs: Quaternion) -> Quaternion {
        Quaternion(
            w: lhs.w * rhs.w - lhs.x * rhs.x - lhs.y * rhs.y - lhs.z * rhs.z,
            x: lhs.w * rhs.x + lhs.x * rhs.w + lhs.y * rhs.z - lhs.z * rhs.y,
            y: lhs.w * rhs.y - lhs.x * rhs.z + lhs.y * rhs.w + lhs.z * rhs.x,
            z: lhs.w * rhs.z + lhs.x * rhs.y - lhs.y * rhs.x + lhs.z * rhs.w
        )
    }

    /// The angle of the rotation between `self` and `other`, radians (0…π).
    public func angle(to other: Quaternion) -> Double {
        let dot = abs(w * other.w + x * other.x + y * other.y + z * other.z)
        return 2 * acos(min(1, dot))
    }
}

/// A rigid vehicle's rotation, with its gyro and star tracker.
///
/// Euler's equations `I·ω̇ = τ − ω × (I·ω)` for a diagonal inertia tensor, integrated with RK4; the
/// attitude is propagated with the exact rotation for the step's mean rate and normalised every step.
/// The gyro measures `ω + b + n` (constant bias, white noise from the angle random walk: σ per
/// sample = ARW/√dt). The star tracker measures `q ⊗ δq` with small-angle noise about its axes
/// (boresight along body +Z: low noise across it, higher about it), and loses track above a rate or
/// while blinded, reacquiring after a time below the rate. Noise comes from a seeded ``SplitMix64``.
public struct AttitudeDynamics: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Principal moments of inertia, kg·m² (a ~10 t capsule-sized testbed).
        public var inertia = SIMD3<Double>(9_000, 8_000, 6_500)
        /// Constant disturbance torque (gravity gradient, aerodynamic, venting), N·m. 1e-4 N·m spins
        /// the vehicle up by ~0.06 °/s per day: the rate limit of the star tracker is days away.
        public var disturbanceTorque = SIMD3<Double>(1.0e-4, -0.6e-4, 0.8e-4)
        public var initialRate = SIMD3<Double>(0.001, -0.0005, 0.0008)
        public var initialAttitude = Quaternion.identity

        /// Gyro bias per axis, °/h, and angle random walk, °/√h (tactical-grade MEMS / FOG class).
        public var gyroBiasDegreesPerHour = SIMD3<Double>(1.0, -0.5, 0.8)
        public var gyroAngleRandomWalkDegreesPerRootHour: Double = 0.1

        /// Star tracker noise (1σ), arcseconds: across the boresight and about it (roll).
        public var starTrackerCrossBoresightArcseconds: Double = 5
        public var starTrackerRollArcseconds: Double = 40
        /// Body rate above which the tracker loses its stars, °/s.
        public var starTrackerMaxRateDegreesPerSecond: Double = 1.0
        /// Time below that rate (and not blinded) before it reports attitude again, s.
        public var starTrackerReacquisitionSeconds: Double = 10

        public init() {}
    }

    public struct Inputs: Sendable, Equatable {
        /// Torque commanded by an attitude controller, N·m (added to the disturbance).
        public var controlTorque = SIMD3<Double>(0, 0, 0)
        /// An extra disturbance from a scenario (thruster stuck on, venting), N·m.
        public var extraTorque = SIMD3<Double>(0, 0, 0)
        /// The Sun or the Earth's limb is in the tracker's field of view.
        public var starTrackerBlinded = false

        public init(controlTorque: SIMD3<Double> = .zero, extraTorque: SIMD3<Double> = .zero, starTrackerBlinded: Bool = false) {
            self.controlTorque = controlTorque
            self.extraTorque = extraTorque
            self.starTrackerBlinded = starTrackerBlinded
        }
    }

    public let configuration: Configuration
    /// Attitude (body → inertial) and body rate, rad/s.
    public private(set) var attitude: Quaternion
    public private(set) var rate: SIMD3<Double>
    /// The gyro's last measurement, rad/s.
    public private(set) var gyroMeasurement: SIMD3<Double>
    /// The star tracker's last measurement, nil while it has no track.
    public private(set) var starTrackerMeasurement: Quaternion?
    public private(set) var starTrackerTracking = true
    private var timeBelowRate: Double = 0
    private var rng: SplitMix64

    public init(configuration: Configuration = Configuration(), seed: UInt64) {
        precondition(configuration.inertia.min() > 0, "moments of inertia must be positive")
        self.configuration = configuration
        attitude = configuration.initialAttitude.normalized
        rate = configuration.initialRate
        rng = SplitMix64(seed: seed)
        gyroMeasurement = configuration.initialRate + configuration.gyroBiasDegreesPerHour * (.pi / 180 / 3600)
        starTrackerMeasurement = attitude
        timeBelowRate = configuration.starTrackerReacquisitionSeconds
    }

    /// Body rate magnitude, °/s.
    public var rateMagnitudeDegreesPerSecond: Double { (rate * rate).sum().squareRoot() * 180 / .pi }

    private func angularAcceleration(_ omega: SIMD3<Double>, torque: SIMD3<Double>) -> SIMD3<Double> {
        let inertia = configuration.inertia
        let momentum = inertia * omega
        let gyroscopic = SIMD3<Double>(
            omega.y * momentum.z - omega.z * momentum.y,
            omega.z * momentum.x - omega.x * momentum.z,
            omega.x * momentum.y - omega.y * momentum.x
        )
        return (torque - gyroscopic) / inertia
    }

    private mutating func gaussian3() -> SIMD3<Double> {
        SIMD3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian())
    }

    /// Advances the rotation and the sensors by `dt` seconds under `inputs`.
    public mutating func step(dt: Double, inputs: Inputs) {
        guard dt > 0 else { return }
        let c = configuration
        let torque = c.disturbanceTorque + inputs.controlTorque + inputs.extraTorque

        let k1 = angularAcceleration(rate, torque: torque)
        let k2 = angularAcceleration(rate + k1 * (dt / 2), torque: torque)
        let k3 = angularAcceleration(rate + k2 * (dt / 2), torque: torque)
        let k4 = angularAcceleration(rate + k3 * dt, torque: torque)
        let newRate = rate + (k1 + 2 * k2 + 2 * k3 + k4) * (dt / 6)
        let meanRate = (rate + newRate) / 2
        attitude = (attitude * Quaternion(rotationVector: meanRate * dt)).normalized
        rate = newRate

        // Gyro: rate + bias + white noise (ARW °/√h → rad/√s, then per sample).
        let bias = c.gyroBiasDegreesPerHour * (.pi / 180 / 3600)
        let arw = c.gyroAngleRandomWalkDegreesPerRootHour * (.pi / 180) / 60
        gyroMeasurement = rate + bias + gaussian3() * (arw / dt.squareRoot())

        // Star tracker: track logic, then attitude ⊗ small-angle noise.
        if inputs.starTrackerBlinded || rateMagnitudeDegreesPerSecond > c.starTrackerMaxRateDegreesPerSecond {
            starTrackerTracking = false
            timeBelowRate = 0
        } else {
            timeBelowRate += dt
            if timeBelowRate >= c.starTrackerReacquisitionSeconds { starTrackerTracking = true }
        }
        let arcsecond = Double.pi / 180 / 3600
        let noise = gaussian3() * SIMD3(c.starTrackerCrossBoresightArcseconds, c.starTrackerCrossBoresightArcseconds, c.starTrackerRollArcseconds) * arcsecond
        starTrackerMeasurement = starTrackerTracking ? (attitude * Quaternion(rotationVector: noise)).normalized : nil
    }
}
