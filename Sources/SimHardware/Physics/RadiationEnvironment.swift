#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The radiation dose rate inside the vehicle: a steady background, passes through the South
/// Atlantic Anomaly on some orbits, and a storm multiplier for scenarios.
///
/// The SAA is where the inner proton belt comes lowest; a LEO vehicle crosses it for some minutes on
/// several consecutive orbits a day, then misses it for the rest as the ground track moves west by
/// ~23° per orbit. Here an orbit passes through it when the ground track's longitude at the SAA's
/// orbit phase lies within ``Configuration/saaLongitudeHalfWidthDegrees`` of its centre; during a
/// pass the dose rate rises by a sin² profile to ``Configuration/saaPeakFactor`` times the
/// background. Deterministic: no random draw (the counting noise is the Geiger tube model's).
public struct RadiationEnvironment: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        public var orbit = CircularOrbit()
        /// Dose rate outside the SAA, µSv/h. ISS crews receive of the order of 0.3–0.8 mSv/day
        /// (NASA ISS dosimetry), roughly half of it in SAA passes: ~10 µSv/h outside them.
        public var backgroundMicrosievertsPerHour: Double = 10
        /// Peak dose-rate factor in the heart of the SAA.
        public var saaPeakFactor: Double = 15
        /// Length of one pass, s.
        public var saaPassSeconds: Double = 600
        /// Orbit phase (0…1) at the middle of a pass.
        public var saaOrbitPhase: Double = 0.3
        /// Longitude of the SAA's centre, degrees east (the anomaly is centred near 45° W).
        public var saaCenterLongitudeDegrees: Double = -45
        /// How far from the centre the ground track may pass and still cross the anomaly, degrees.
        public var saaLongitudeHalfWidthDegrees: Double = 45
        /// Ground-track longitude at the SAA's phase on orbit 0, degrees east.
        public var initialLongitudeDegrees: Double = -45

        public init() {}
    }

    public struct Inputs: Sendable, Equatable {
        /// A solar particle event's multiplier on the whole dose rate (1 = quiet).
        public var stormMultiplier: Double = 1

        public init(stormMultiplier: Double = 1) {
            self.stormMultiplier = stormMultiplier
        }
    }

    public let configuration: Configuration
    /// Seconds since the start.
    public private(set) var time: Double = 0
    /// Dose rate of the last step, µSv/h.
    public private(set) var doseRateMicrosievertsPerHour: Double
    /// Whether the last step was inside an SAA pass.
    public private(set) var inSAA = false

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        doseRateMicrosievertsPerHour = configuration.backgroundMicrosievertsPerHour
        let factor = saaFactor(at: 0)
        doseRateMicrosievertsPerHour = configuration.backgroundMicrosievertsPerHour * factor
        inSAA = factor > 1
    }

    /// Whether orbit `number` crosses the SAA.
    public func crossesSAA(orbit number: Int) -> Bool {
        let c = configuration
        let longitude = c.initialLongitudeDegrees - Double(number) * c.orbit.groundTrackShiftPerOrbitDegrees
        var offset = (longitude - c.saaCenterLongitudeDegrees).truncatingRemainder(dividingBy: 360)
        if offset > 180 { offset -= 360 }
        if offset < -180 { offset += 360 }
        return abs(offset) <= c.saaLongitudeHalfWidthDegrees
    }

    /// The SAA's multiplier on the background at `time` (1 outside a pass).
    public func saaFactor(at time: Double) -> Double {
        let c = configuration
        let period = c.orbit.periodSeconds
        // The pass of the orbit whose SAA phase is nearest `time`.
        let turns = c.orbit.initialPhase + time / period
        let number = (turns - c.saaOrbitPhase).rounded()
        let middle = (number + c.saaOrbitPhase - c.orbit.initialPhase) * period
        let offset = time - middle
        guard abs(offset) < c.saaPassSeconds / 2, crossesSAA(orbit: Int(number)) else { return 1 }
        let s = sin(.pi * (offset / c.saaPassSeconds + 0.5))
        return 1 + (c.saaPeakFactor - 1) * s * s
    }

    /// The expected count rate of a GM tube with factor `microsievertsPerHourPerCPM`, counts/s.
    public func expectedCountRate(microsievertsPerHourPerCPM: Double) -> Double {
        doseRateMicrosievertsPerHour / microsievertsPerHourPerCPM / 60
    }

    /// Advances by `dt` seconds under `inputs`.
    public mutating func step(dt: Double, inputs: Inputs) {
        guard dt > 0 else { return }
        time += dt
        let factor = saaFactor(at: time)
        doseRateMicrosievertsPerHour = configuration.backgroundMicrosievertsPerHour * factor * max(0, inputs.stormMultiplier)
        inSAA = factor > 1
    }
}
