/// CO2 scrubber fan staging with hysteresis, and the CO2 warning and alarm.
///
/// Levels are CO2 partial pressures (kPa) in life support; the logic itself has no unit. Stage
/// `k` (1-based) switches on when CO2 rises above `on[k-1]` and back off when it falls below
/// `off[k-1]` (each off level below its on level). Several stages can be crossed in one update,
/// always in order. With no valid CO2 reading the scrubber runs at its highest stage: scrubbing
/// when not needed costs power, not scrubbing when needed costs the crew.
public struct ScrubberStaging: Sendable {
    /// The current stage, 0 (off) … number of stages.
    public private(set) var stage = 0
    /// Whether CO2 is above the warning level.
    public private(set) var warning = false
    /// Whether CO2 is in alarm.
    public private(set) var alarm = false

    public init() {}

    /// Updates the stage from `co2` (`nil` = not valid) and the thresholds of each stage.
    /// - Returns: the stage.
    @discardableResult
    public mutating func update(co2: Double?, on: [Double], off: [Double]) -> Int {
        let stages = min(on.count, off.count)
        guard let co2 else {
            stage = stages
            return stage
        }
        if stage > stages { stage = stages }
        while stage < stages, co2 > on[stage] { stage += 1 }
        while stage > 0, co2 < off[stage - 1] { stage -= 1 }
        return stage
    }

    /// Updates the warning: set above `level`, cleared below `clear`; held with no valid reading.
    /// - Returns: whether the warning state changed.
    public mutating func updateWarning(co2: Double?, level: Double, clear: Double) -> Bool {
        Self.latch(&warning, co2, level, clear)
    }

    /// Updates the alarm: set above `level`, cleared below `clear`; held with no valid reading.
    /// - Returns: whether the alarm state changed.
    public mutating func updateAlarm(co2: Double?, level: Double, clear: Double) -> Bool {
        Self.latch(&alarm, co2, level, clear)
    }

    private static func latch(_ state: inout Bool, _ value: Double?, _ level: Double, _ clear: Double) -> Bool {
        guard let value else { return false }
        if !state, value > level {
            state = true
            return true
        }
        if state, value < clear {
            state = false
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
