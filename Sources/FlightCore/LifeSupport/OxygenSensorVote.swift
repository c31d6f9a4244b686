/// Selection between the two cabin oxygen sensors.
///
/// The rules, in order:
/// 1. Both readings present and within ``agreementKPa`` of each other: their mean, status
///    ``Status/nominal``.
/// 2. Both present but apart: one of them, status ``Status/disagreement``. A reading inside the
///    plausibility window beats one outside it; if both are inside (or both outside), the one
///    closer to the last voted value wins (with no history yet, the one closer to the middle of
///    the plausibility window).
/// 3. One reading missing (its parameter invalid, stale or never set): the other, status
///    ``Status/degraded``.
/// 4. Both missing: no value, status ``Status/failed`` — the caller closes the oxygen valve.
///
/// A reading outside the plausibility window is not discarded by itself: two sensors agreeing on
/// an implausible value (a real leak, say) are still reported, for the monitors to act on.
public struct OxygenSensorVote: Sendable {
    /// The vote's quality, published as `ls.o2_sensor_status`.
    public enum Status: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        /// Both sensors valid and agreeing.
        case nominal = 0
        /// Both valid but further apart than the tolerance; one was chosen.
        case disagreement = 1
        /// One sensor invalid; the other is used alone. The mode machine maps this to DEGRADED.
        case degraded = 2
        /// Both sensors invalid: no oxygen partial pressure is known (alarm).
        case failed = 3

        public var description: String {
            switch self {
            case .nominal: return "NOMINAL"
            case .disagreement: return "DISAGREEMENT"
            case .degraded: return "DEGRADED"
            case .failed: return "FAILED"
            }
        }
    }

    /// Which reading the voted value came from.
    public enum Source: UInt8, Sendable {
        case none = 0
        case sensorA = 1
        case sensorB = 2
        case mean = 3
    }

    /// One vote's outcome.
    public struct Outcome: Sendable, Equatable {
        public var value: Double?
        public var status: Status
        public var source: Source
    }

    /// The largest difference, in kPa, at which the two sensors count as agreeing.
    public var agreementKPa: Double
    /// Where a cabin ppO2 reading can physically be, in kPa.
    public var plausibleKPa: ClosedRange<Double>
    /// The last value voted, the reference for breaking a disagreement.
    public private(set) var lastVoted: Double?

    public init(agreementKPa: Double, plausibleKPa: ClosedRange<Double>) {
        self.agreementKPa = agreementKPa
        self.plausibleKPa = plausibleKPa
    }

    /// Votes on one pair of readings (`nil` = that sensor's parameter is not valid).
    public mutating func vote(_ a: Double?, _ b: Double?) -> Outcome {
        let outcome: Outcome
        switch (a, b) {
        case (let a?, let b?):
            if abs(a - b) <= agreementKPa {
                outcome = Outcome(value: (a + b) / 2, status: .nominal, source: .mean)
            } else {
                let pickA = prefersFirst(a, over: b)
                outcome = Outcome(value: pickA ? a : b, status: .disagreement, source: pickA ? .sensorA : .sensorB)
            }
        case (let a?, nil):
            outcome = Outcome(value: a, status: .degraded, source: .sensorA)
        case (nil, let b?):
            outcome = Outcome(value: b, status: .degraded, source: .sensorB)
        case (nil, nil):
            outcome = Outcome(value: nil, status: .failed, source: .none)
        }
        if let value = outcome.value { lastVoted = value }
        return outcome
    }

    /// Forgets the history (after a long outage the old value is no reference).
    public mutating func reset() { lastVoted = nil }

    private func prefersFirst(_ a: Double, over b: Double) -> Bool {
        let aPlausible = plausibleKPa.contains(a)
        let bPlausible = plausibleKPa.contains(b)
        if aPlausible != bPlausible { return aPlausible }
        let reference = lastVoted ?? (plausibleKPa.lowerBound + plausibleKPa.upperBound) / 2
        return abs(a - reference) <= abs(b - reference)
    }
}
