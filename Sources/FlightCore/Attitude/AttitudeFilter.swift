#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Attitude determination: the gyro-bias multiplicative extended Kalman filter (Lefferts,
/// Markley & Shuster 1982; Markley & Crassidis 2014, ch. 6). A reference quaternion carries the
/// attitude; the filter estimates a six-state error — three small attitude angles (body frame)
/// and the gyro bias — and folds each correction back into the quaternion, so the covariance
/// never describes a redundant fourth component.
///
/// Conventions: ``AttitudeQuaternion`` maps inertial to body vectors (`A(q) v_I = v_B`), with
/// Shuster's product (`A(p ⊗ q) = A(p) A(q)`), scalar last. The true attitude is
/// `q = δq(δθ) ⊗ q̂`; the gyro measures `ω = ω_true + β + η_v`, the bias drifts as `β̇ = η_u`.
///
/// ```text
///  gyro (50 Hz) ──► propagate: q̂ ← Ω(ω − β̂) q̂,  P ← Φ P Φᵀ + Q
///  star tracker ──► innovation against q̂ at the measurement's time tag, rotated to now;
///   (1 Hz, tag)     χ² gate (3 dof) ──► Joseph update of P, q̂ ← δq(Δθ) ⊗ q̂, β̂ += Δβ
/// ```
///
/// Fixed work per step, no allocation (fixed-size storage; the time-tag history is a ring).
///
/// - Warning: one thread (the executive's attitude group).
public struct AttitudeFilter: Sendable {
    /// Noise and gating, in SI units.
    public struct Configuration: Sendable, Equatable {
        /// Gyro angle random walk σv (rad/s^½).
        public var angleRandomWalk: Double
        /// Gyro rate random walk σu (rad/s^3/2).
        public var rateRandomWalk: Double
        /// Star-tracker noise, 1σ per body axis (rad); the boresight is usually the worst.
        public var trackerNoise: SIMD3<Double>
        /// Initial 1σ of the attitude error (rad) and of the bias (rad/s).
        public var initialAttitudeSigma: Double
        public var initialBiasSigma: Double
        /// The χ² (3 dof) above which an innovation is rejected (16.27: p = 0.001).
        public var gate: Double
        /// "Attitude uncertain" when the largest 3σ exceeds this (rad).
        public var uncertainLimit: Double

        public init(
            angleRandomWalk: Double, rateRandomWalk: Double, trackerNoise: SIMD3<Double>, initialAttitudeSigma: Double = 0.01,
            initialBiasSigma: Double = 0.2 * .pi / 180 / 3600, gate: Double = 16.27, uncertainLimit: Double = 60 * .pi / 180 / 3600
        ) {
            self.angleRandomWalk = angleRandomWalk
            self.rateRandomWalk = rateRandomWalk
            self.trackerNoise = trackerNoise
            self.initialAttitudeSigma = initialAttitudeSigma
            self.initialBiasSigma = initialBiasSigma
            self.gate = gate
            self.uncertainLimit = uncertainLimit
        }
    }

    /// What an update did.
    public enum UpdateOutcome: Sendable, Equatable {
        /// Applied; the innovation's χ².
        case applied(chiSquared: Double)
        /// Rejected by the gate (not applied).
        case rejected(chiSquared: Double)
        /// The time tag is older than the history kept (or in the future): not applied.
        case outOfHistory
        /// The first measurement initialised the attitude.
        case initialized
    }

    public let configuration: Configuration
    /// The attitude estimate (inertial → body), `nil` until the first tracker measurement.
    public private(set) var attitude: AttitudeQuaternion?
    /// The gyro bias estimate (rad/s).
    public private(set) var bias = SIMD3<Double>(0, 0, 0)
    /// The bias-corrected body rate of the last propagation (rad/s).
    public private(set) var rate = SIMD3<Double>(0, 0, 0)
    /// Error covariance, 6 × 6 row-major (attitude rad², bias (rad/s)²).
    public private(set) var covariance: Matrix6
    /// The time of the estimate.
    public private(set) var time: Double = 0
    /// Measurements applied and rejected by the gate; the last χ².
    public private(set) var updates = 0
    public private(set) var rejections = 0
    public private(set) var lastChiSquared: Double = 0
    /// Restarts from the tracker after ``rejectionsBeforeReset`` rejections in a row.
    public private(set) var resets = 0
    private var consecutiveRejections = 0
    /// Consistent rejections mean the estimate, not the tracker, is wrong (a random outlier at the
    /// gate's p = 0.001 comes alone).
    public static let rejectionsBeforeReset = 5

    /// Past estimates for time-tagged measurements: (time, attitude), newest last.
    private var history: HistoryRing

    public init(configuration: Configuration) {
        self.configuration = configuration
        covariance = Matrix6.diagonal(
            attitude: configuration.initialAttitudeSigma * configuration.initialAttitudeSigma,
            bias: configuration.initialBiasSigma * configuration.initialBiasSigma)
        history = HistoryRing()
    }

    /// 3σ of the attitude error per body axis (rad).
    public var threeSigma: SIMD3<Double> {
        SIMD3(3 * covariance[0, 0].squareRoot(), 3 * covariance[1, 1].squareRoot(), 3 * covariance[2, 2].squareRoot())
    }

    /// Whether the largest 3σ exceeds the configured limit (or there is no attitude yet).
    public var isUncertain: Bool {
        guard attitude != nil else { return true }
        let sigma = threeSigma
        return max(sigma.x, max(sigma.y, sigma.z)) > configuration.uncertainLimit
    }

    /// Propagates to `time` with the gyro's measured rate `gyro` (rad/s), held over the step.
    public mutating func propagate(gyro: SIMD3<Double>, to newTime: Double) {
        let dt = newTime - time
        guard dt > 0 else { return }
        time = newTime
        let omega = gyro - bias
        rate = omega
        guard let current = attitude else { return }
        let next = AttitudeQuaternion.rotation(omega * dt) ⊗ current
        attitude = next.normalized
        // Φ (Markley & Crassidis eq. 6.83, constant rate over the step).
        let w = length(omega)
        let wx = Matrix3.cross(omega)
        let wx2 = wx * wx
        let phi11: Matrix3
        let phi12: Matrix3
        if w > 1e-12 {
            let s = (w * dt).sin_
            let c = (w * dt).cos_
            phi11 = Matrix3.identity - wx * (s / w) + wx2 * ((1 - c) / (w * w))
            phi12 = wx * ((1 - c) / (w * w)) - Matrix3.identity * dt - wx2 * ((w * dt - s) / (w * w * w))
        } else {
            phi11 = Matrix3.identity - wx * dt
            phi12 = Matrix3.identity * (-dt)
        }
        let sv2 = configuration.angleRandomWalk * configuration.angleRandomWalk
        let su2 = configuration.rateRandomWalk * configuration.rateRandomWalk
        covariance.propagate(phi11: phi11, phi12: phi12, q11: sv2 * dt + su2 * dt * dt * dt / 3, q12: -su2 * dt * dt / 2, q22: su2 * dt)
        history.append(time: time, attitude: attitude ?? current)
    }

    /// Applies a star-tracker attitude `measured` (inertial → body) taken at `tag`.
    public mutating func update(measured: AttitudeQuaternion, at tag: Double) -> UpdateOutcome {
        guard let current = attitude, consecutiveRejections < Self.rejectionsBeforeReset else {
            // First measurement, or one that agrees with none of the estimates after several in a
            // row (a diverged filter): start from the tracker, carried to now on the last rate.
            let lag = Swift.max(0, time - tag)
            let start = (AttitudeQuaternion.rotation(rate * lag) ⊗ measured).normalized
            if attitude != nil { resets += 1 }
            attitude = start
            covariance = Matrix6.diagonal(
                attitude: configuration.initialAttitudeSigma * configuration.initialAttitudeSigma,
                bias: configuration.initialBiasSigma * configuration.initialBiasSigma)
            consecutiveRejections = 0
            history.reset()
            history.append(time: time, attitude: start)
            return .initialized
        }
        // The estimate at the tag, and the body rotation from then to now.
        let then: AttitudeQuaternion
        if tag >= time {
            guard tag - time < 1e-6 else { return .outOfHistory }
            then = current
        } else {
            guard let past = history.attitude(at: tag) else { return .outOfHistory }
            then = past
        }
        var delta = measured.normalized ⊗ then.inverse
        if delta.w < 0 { delta = delta.negated }
        let innovationThen = 2 * delta.vector
        // Body-frame error vectors turn with the body: from the tag's body frame to now's.
        let turn = (current ⊗ then.inverse).matrix
        let innovation = turn * innovationThen
        let noise = configuration.trackerNoise
        var s = covariance.attitudeBlock
        s[0, 0] += noise.x * noise.x
        s[1, 1] += noise.y * noise.y
        s[2, 2] += noise.z * noise.z
        guard let sInverse = s.inverse else { return .outOfHistory }
        let chi2 = dot(innovation, sInverse * innovation)
        lastChiSquared = chi2
        guard chi2 <= configuration.gate else {
            rejections += 1
            consecutiveRejections += 1
            return .rejected(chiSquared: chi2)
        }
        consecutiveRejections = 0
        let correction = covariance.update(innovation: innovation, sInverse: sInverse, noise: noise * noise)
        attitude = (AttitudeQuaternion(vector: correction.attitude / 2, w: 1) ⊗ current).normalized
        bias += correction.bias
        updates += 1
        // The history's attitudes stay as they were: later tags are compared to what the filter
        // believed then, corrected by the turn since.
        return .applied(chiSquared: chi2)
    }
}

// MARK: - Small fixed-size algebra

/// An attitude quaternion, scalar last, Shuster's product: `A(p ⊗ q) = A(p) A(q)`.
public struct AttitudeQuaternion: Sendable, Equatable {
    public var vector: SIMD3<Double>
    public var w: Double

    public init(vector: SIMD3<Double>, w: Double) {
        self.vector = vector
        self.w = w
    }

    public init(w: Double, x: Double, y: Double, z: Double) { self.init(vector: SIMD3(x, y, z), w: w) }

    public static let identity = AttitudeQuaternion(vector: SIMD3(0, 0, 0), w: 1)

    /// The rotation by `angle` (rad, a rotation vector) in the attitude sense: a body turning at
    /// ω for Δt goes from `q` to `rotation(ω Δt) ⊗ q`.
    public static func rotation(_ angle: SIMD3<Double>) -> AttitudeQuaternion {
        let theta = length(angle)
        guard theta > 1e-15 else { return AttitudeQuaternion(vector: angle / 2, w: 1).normalized }
        let half = theta / 2
        return AttitudeQuaternion(vector: angle * (half.sin_ / theta), w: half.cos_)
    }

    public static func ⊗ (p: AttitudeQuaternion, q: AttitudeQuaternion) -> AttitudeQuaternion {
        AttitudeQuaternion(vector: p.w * q.vector + q.w * p.vector - crossProduct(p.vector, q.vector), w: p.w * q.w - dot(p.vector, q.vector))
    }

    public var inverse: AttitudeQuaternion { AttitudeQuaternion(vector: -vector, w: w) }
    public var negated: AttitudeQuaternion { AttitudeQuaternion(vector: -vector, w: -w) }

    public var normalized: AttitudeQuaternion {
        let n = (dot(vector, vector) + w * w).squareRoot()
        guard n > 0, n.isFinite else { return .identity }
        return AttitudeQuaternion(vector: vector / n, w: w / n)
    }

    /// The attitude matrix (inertial → body).
    public var matrix: Matrix3 {
        let v = vector
        var m = Matrix3.identity * (w * w - dot(v, v))
        for row in 0..<3 {
            for column in 0..<3 { m[row, column] += 2 * v[row] * v[column] }
        }
        return m - Matrix3.cross(v) * (2 * w)
    }

    /// The rotation angle (rad) from `self` to `other`, whatever their signs.
    public func angle(to other: AttitudeQuaternion) -> Double {
        var delta = other ⊗ inverse
        if delta.w < 0 { delta = delta.negated }
        return 2 * Swift.min(1, length(delta.vector)).asin_
    }

    /// The small-angle error vector (rad, body frame) of `self` relative to `reference`.
    public func error(from reference: AttitudeQuaternion) -> SIMD3<Double> {
        var delta = self ⊗ reference.inverse
        if delta.w < 0 { delta = delta.negated }
        return 2 * delta.vector
    }
}

infix operator ⊗ : MultiplicationPrecedence

/// A 3 × 3 matrix, row-major.
public struct Matrix3: Sendable, Equatable {
    public var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    public init(_ r0: SIMD3<Double>, _ r1: SIMD3<Double>, _ r2: SIMD3<Double>) { rows = (r0, r1, r2) }

    public static let identity = Matrix3(SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))
    public static let zero = Matrix3(SIMD3(0, 0, 0), SIMD3(0, 0, 0), SIMD3(0, 0, 0))

    /// `[v×]`: `cross(v) * u == v × u`.
    public static func cross(_ v: SIMD3<Double>) -> Matrix3 { Matrix3(SIMD3(0, -v.z, v.y), SIMD3(v.z, 0, -v.x), SIMD3(-v.y, v.x, 0)) }

    public static func == (a: Matrix3, b: Matrix3) -> Bool { a.rows.0 == b.rows.0 && a.rows.1 == b.rows.1 && a.rows.2 == b.rows.2 }

    public subscript(row: Int, column: Int) -> Double {
        get {
            switch row {
            case 0: rows.0[column]
            case 1: rows.1[column]
            default: rows.2[column]
            }
        }
        set {
            switch row {
            case 0: rows.0[column] = newValue
            case 1: rows.1[column] = newValue
            default: rows.2[column] = newValue
            }
        }
    }

    public var transposed: Matrix3 {
        Matrix3(SIMD3(self[0, 0], self[1, 0], self[2, 0]), SIMD3(self[0, 1], self[1, 1], self[2, 1]), SIMD3(self[0, 2], self[1, 2], self[2, 2]))
    }

    public static func * (m: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> { SIMD3(dot(m.rows.0, v), dot(m.rows.1, v), dot(m.rows.2, v)) }

    public static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        let t = b.transposed
        return Matrix3(
            SIMD3(dot(a.rows.0, t.rows.0), dot(a.rows.0, t.rows.1), dot(a.rows.0, t.rows.2)),
            SIMD3(dot(a.rows.1, t.rows.0), dot(a.rows.1, t.rows.1), dot(a.rows.1, t.rows.2)),
            SIMD3(dot(a.rows.2, t.rows.0), dot(a.rows.2, t.rows.1), dot(a.rows.2, t.rows.2)))
    }

    public static func * (m: Matrix3, s: Double) -> Matrix3 { Matrix3(m.rows.0 * s, m.rows.1 * s, m.rows.2 * s) }
    public static func + (a: Matrix3, b: Matrix3) -> Matrix3 { Matrix3(a.rows.0 + b.rows.0, a.rows.1 + b.rows.1, a.rows.2 + b.rows.2) }
    public static func - (a: Matrix3, b: Matrix3) -> Matrix3 { Matrix3(a.rows.0 - b.rows.0, a.rows.1 - b.rows.1, a.rows.2 - b.rows.2) }

    /// The inverse, `nil` when singular.
    public var inverse: Matrix3? {
        let c0 = crossProduct(rows.1, rows.2)
        let c1 = crossProduct(rows.2, rows.0)
        let c2 = crossProduct(rows.0, rows.1)
        let determinant = dot(rows.0, c0)
        guard abs(determinant) > 1e-300, determinant.isFinite else { return nil }
        return Matrix3(c0, c1, c2).transposed * (1 / determinant)
    }
}

/// The filter's 6 × 6 covariance as four 3 × 3 blocks `[P11 P12; P12ᵀ P22]` (symmetric by construction).
public struct Matrix6: Sendable, Equatable {
    public var p11: Matrix3
    public var p12: Matrix3
    public var p22: Matrix3

    static func diagonal(attitude: Double, bias: Double) -> Matrix6 {
        Matrix6(p11: Matrix3.identity * attitude, p12: .zero, p22: Matrix3.identity * bias)
    }

    public subscript(row: Int, column: Int) -> Double {
        switch (row < 3, column < 3) {
        case (true, true): p11[row, column]
        case (true, false): p12[row, column - 3]
        case (false, true): p12[column, row - 3]
        case (false, false): p22[row - 3, column - 3]
        }
    }

    var attitudeBlock: Matrix3 { p11 }

    /// `P ← Φ P Φᵀ + Q` with `Φ = [Φ11 Φ12; 0 I]`, `Q = [q11 I, q12 I; q12 I, q22 I]`.
    mutating func propagate(phi11: Matrix3, phi12: Matrix3, q11: Double, q12: Double, q22: Double) {
        let a = phi11 * p11 + phi12 * p12.transposed // first block row of Φ P, left
        let b = phi11 * p12 + phi12 * p22 // first block row of Φ P, right
        let new11 = a * phi11.transposed + b * phi12.transposed
        let new12 = b
        p11 = Self.symmetric(new11) + Matrix3.identity * q11
        p12 = new12 + Matrix3.identity * q12
        p22 = p22 + Matrix3.identity * q22
    }

    /// The Joseph-form update for `H = [I 0]`; returns the state correction.
    mutating func update(innovation: SIMD3<Double>, sInverse: Matrix3, noise: SIMD3<Double>) -> (attitude: SIMD3<Double>, bias: SIMD3<Double>) {
        // K = P Hᵀ S⁻¹ = [P11; P12ᵀ] S⁻¹
        let k1 = p11 * sInverse
        let k2 = p12.transposed * sInverse
        let correction = (k1 * innovation, k2 * innovation)
        // (I − K H) P (I − K H)ᵀ + K R Kᵀ, by blocks.
        let i1 = Matrix3.identity - k1
        let r = Matrix3(SIMD3(noise.x, 0, 0), SIMD3(0, noise.y, 0), SIMD3(0, 0, noise.z))
        let new11 = i1 * p11 * i1.transposed + k1 * r * k1.transposed
        let m12 = i1 * p12 - i1 * p11 * k2.transposed // (I−K1) [P11 P12] ·[−K2ᵀ; I]
        let new12 = m12 + k1 * r * k2.transposed
        let new22 = p22 - k2 * p12 - p12.transposed * k2.transposed + k2 * p11 * k2.transposed + k2 * r * k2.transposed
        p11 = Self.symmetric(new11)
        p12 = new12
        p22 = Self.symmetric(new22)
        return correction
    }

    private static func symmetric(_ m: Matrix3) -> Matrix3 { (m + m.transposed) * 0.5 }
}

/// The estimates of the last 64 steps (1.28 s at 50 Hz), for time-tagged measurements.
struct HistoryRing: Sendable {
    static let capacity = 64
    private var times = [Double](repeating: 0, count: HistoryRing.capacity)
    private var attitudes = [AttitudeQuaternion](repeating: .identity, count: HistoryRing.capacity)
    private var head = 0
    private var count = 0

    mutating func reset() {
        head = 0
        count = 0
    }

    mutating func append(time: Double, attitude: AttitudeQuaternion) {
        let slot = (head + count) % Self.capacity
        times[slot] = time
        attitudes[slot] = attitude
        if count < Self.capacity { count += 1 } else { head = (head + 1) % Self.capacity }
    }

    /// The attitude at `time`, interpolated between the two estimates around it; `nil` outside.
    func attitude(at time: Double) -> AttitudeQuaternion? {
        guard count > 0 else { return nil }
        var index = count - 1
        while index >= 0 {
            let slot = (head + index) % Self.capacity
            if times[slot] <= time {
                guard index < count - 1 else { return attitudes[slot] }
                let nextSlot = (head + index + 1) % Self.capacity
                let span = times[nextSlot] - times[slot]
                let fraction = span > 0 ? (time - times[slot]) / span : 0
                // The step's rotation, scaled (constant rate over a step).
                let step = attitudes[nextSlot].error(from: attitudes[slot])
                return (AttitudeQuaternion.rotation(step * fraction) ⊗ attitudes[slot]).normalized
            }
            index -= 1
        }
        return nil
    }
}

extension Double {
    fileprivate var sin_: Double { sin(self) }
    fileprivate var cos_: Double { cos(self) }
    fileprivate var asin_: Double { asin(self) }
}

@inline(__always) func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }
@inline(__always) func length(_ a: SIMD3<Double>) -> Double { dot(a, a).squareRoot() }
@inline(__always) func crossProduct(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
