/// Pure conversions from Geiger–Müller tube counts to rates and dose rate.
///
/// A GM tube has no registers: its "raw data" is a number of pulses in a time window. The
/// functions here turn that into counts per minute, correct it for the tube's dead time and
/// convert it to an ambient dose-equivalent rate with the tube's calibration factor. They throw
/// instead of clamping when the input cannot be right.
public enum GeigerConversion {
    /// Counts per minute from `counts` pulses seen in a window of `windowSeconds`.
    ///
    /// - Throws: ``GeigerError/emptyWindow(seconds:)`` when the window is not a positive, finite length.
    public static func countsPerMinute(counts: Int, windowSeconds: Double) throws(GeigerError) -> Double {
        guard windowSeconds.isFinite, windowSeconds > 0 else { throw .emptyWindow(seconds: windowSeconds) }
        return Double(counts) * 60 / windowSeconds
    }

    /// The true count rate behind a measured rate, for a non-paralyzable dead time.
    ///
    /// After each registered pulse the tube is blind for `τ`; with a measured rate `m` the tube is
    /// dead a fraction `m·τ` of the time, so the true rate is `n = m / (1 − m·τ)` (Knoll, *Radiation
    /// Detection and Measurement*, 4th ed., §4.VII, the non-paralyzable model). Rates are converted
    /// to counts per second for the product `m·τ`.
    ///
    /// - Parameters:
    ///   - cpm: the measured rate, counts per minute.
    ///   - deadTimeSeconds: the tube's dead time τ, seconds.
    /// - Returns: the corrected rate, counts per minute.
    /// - Throws: ``GeigerError/saturated(measuredCPM:deadTimeSeconds:)`` when `m·τ ≥ 1` (the tube
    ///   would be dead all of the time: the reading cannot be trusted), and
    ///   ``GeigerError/invalidRate(_:)`` for a negative or non-finite rate.
    public static func deadTimeCorrected(cpm: Double, deadTimeSeconds: Double) throws(GeigerError) -> Double {
        guard cpm.isFinite, cpm >= 0 else { throw .invalidRate(cpm) }
        let deadFraction = cpm / 60 * deadTimeSeconds
        guard deadFraction < 1 else { throw .saturated(measuredCPM: cpm, deadTimeSeconds: deadTimeSeconds) }
        return cpm / (1 - deadFraction)
    }

    /// Dose rate in µSv/h from a (dead-time corrected) count rate and the tube's factor.
    ///
    /// - Parameters:
    ///   - correctedCPM: the true count rate, counts per minute.
    ///   - microsievertsPerHourPerCPM: the tube's calibration factor (config `usv_h_per_cpm`).
    public static func doseRate(correctedCPM: Double, microsievertsPerHourPerCPM: Double) -> Double {
        correctedCPM * microsievertsPerHourPerCPM
    }
}
