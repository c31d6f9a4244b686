/// CO2 scrubber fan staging with hysteresis, and the CO2 alarm.
///
/// Stage `k` (1-based) switches on when CO2 rises above `onPPM[k-1]` and back off when it falls
/// below `offPPM[k-1]` (each off level below its on level). Several stages can be crossed in one
/// update, always in order. With no valid CO2 reading the scrubber runs at its highest stage:
/// scrubbing when not needed costs power, not scrubbing when needed costs the crew.
public struct ScrubberStaging: Sendable {
    /// The current stage, 0 (off) … number of stages.
    public private(set) var stage = 0
    /// Whether CO2 is in alarm.
    public private(set) var alarm = false

    public init() {}

    /// Updates the stage from `co2` (ppm; `nil` = not valid) and the thresholds of each stage.
    /// - Returns: the stage.
    @discardableResult
    public mutating func update(co2: Double?, onPPM: [Double], offPPM: [Double]) -> Int {
        let stages = min(onPPM.count, offPPM.count)
        guard let co2 else {
            stage = stages
            return stage
        }
        if stage > stages { stage = stages }
        while stage < stages, co2 > onPPM[stage] { stage += 1 }
        while stage > 0, co2 < offPPM[stage - 1] { stage -= 1 }
        return stage
    }

    /// Updates the alarm: set above `alarmPPM`, cleared below `clearPPM`; held with no valid reading.
    /// - Returns: whether the alarm state changed.
    public mutating func updateAlarm(co2: Double?, alarmPPM: Double, clearPPM: Double) -> Bool {
        guard let co2 else { return false }
        if !alarm, co2 > alarmPPM {
            alarm = true
            return true
        }
        if alarm, co2 < clearPPM {
            alarm = false
            return true
        }
        return false
    }
}

/// How scrubber stages map onto the fan channels.
public enum ScrubberStageMapping: String, Sendable, Equatable, CaseIterable {
    /// Stage `k` turns on channel `k` only (fan low / fan high windings of one fan).
    case exclusive
    /// Stage `k` turns on channels 1…k (several fans added one by one).
    case cumulative

    /// Whether channel `channel` (0-based) is on at `stage`.
    @inline(__always)
    public func isOn(channel: Int, stage: Int) -> Bool {
        switch self {
        case .exclusive: return channel == stage - 1
        case .cumulative: return channel < stage
        }
    }
}
