#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A circular low Earth orbit reduced to what the vehicle's subsystems feel: the orbit phase, the
/// eclipse, and the ground track's drift (for the South Atlantic Anomaly).
///
/// Phase 0 is the point of the orbit nearest the Sun (orbit noon); the eclipse is centred on phase ½.
public struct CircularOrbit: Sendable, Equatable {
    /// How the eclipse's length is given.
    public enum Eclipse: Sendable, Equatable {
        /// A fixed eclipse length per orbit, seconds.
        case duration(seconds: Double)
        /// From the solar beta angle (angle between the orbit plane and the Sun vector), degrees.
        case betaAngle(degrees: Double)
    }

    /// Mean Earth radius, m (IUGG mean radius R1 = 6 371 008.8 m).
    public static let earthRadius = 6_371_008.8
    /// Earth's sidereal day, s (IERS: 86 164.0905 s).
    public static let siderealDay = 86_164.0905

    /// Orbit period, s. Default 92.6 min, the ISS's at ~400 km.
    public var periodSeconds: Double
    /// Altitude above the mean radius, m (for the beta-angle eclipse).
    public var altitudeMeters: Double
    public var eclipse: Eclipse
    /// Phase at t = 0, in orbits (0 = orbit noon).
    public var initialPhase: Double

    public init(periodSeconds: Double = 92.6 * 60, altitudeMeters: Double = 400_000, eclipse: Eclipse = .betaAngle(degrees: 0), initialPhase: Double = 0) {
        self.periodSeconds = periodSeconds
        self.altitudeMeters = altitudeMeters
        self.eclipse = eclipse
        self.initialPhase = initialPhase
    }

    /// The fraction of each orbit spent in the Earth's shadow (cylindrical shadow).
    ///
    /// From the beta angle β: `f = (1/180°)·acos(√(h² + 2Rh) / ((R + h)·cos β))` while
    /// `|β| < β* = asin(R / (R + h))`, else 0 (the orbit is in full sun) — the standard result, e.g.
    /// Wertz & Larson, *Space Mission Analysis and Design*, 3rd ed., §5.1. At 400 km and β = 0 it is
    /// 0.390 (36 min of 92.6).
    public var eclipseFraction: Double {
        switch eclipse {
        case .duration(let seconds):
            return min(max(seconds / periodSeconds, 0), 1)
        case .betaAngle(let degrees):
            let r = Self.earthRadius, h = altitudeMeters
            let beta = abs(degrees) * .pi / 180
            guard beta < asin(r / (r + h)) else { return 0 }
            let ratio = (h * h + 2 * r * h).squareRoot() / ((r + h) * cos(beta))
            return acos(min(ratio, 1)) / .pi
        }
    }

    /// The orbit phase at `time` (seconds since the simulation's start), in [0, 1).
    public func phase(at time: Double) -> Double {
        let turns = initialPhase + time / periodSeconds
        return turns - turns.rounded(.down)
    }

    /// The number of whole orbits completed at `time` (counting from phase 0).
    public func orbitNumber(at time: Double) -> Int {
        Int((initialPhase + time / periodSeconds).rounded(.down))
    }

    /// Whether the vehicle is in the Earth's shadow at `time`.
    public func isInEclipse(at time: Double) -> Bool {
        abs(phase(at: time) - 0.5) < eclipseFraction / 2
    }

    /// How far west the ground track has moved per orbit, degrees (Earth turns under the orbit).
    public var groundTrackShiftPerOrbitDegrees: Double {
        360 * periodSeconds / Self.siderealDay
    }
}
