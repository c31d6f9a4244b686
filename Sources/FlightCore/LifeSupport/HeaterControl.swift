import HAL

/// A proportional-integral controller with output limits and conditional integration.
///
/// `u = kp·e + I`, `I += ki·e·dt`, `e = setpoint − measurement`. Anti-windup (conditional
/// integration): while the error pushes the output against a limit, the integral advances at most
/// to where the output just reaches that limit, never beyond it; the integral itself is also kept
/// within the output limits. After a long saturation the integral
/// therefore holds at most the full output span, which bounds the overshoot once the plant can
/// follow again.
public struct PIController: Sendable {
    public var proportionalGain: Double
    public var integralGain: Double
    public var outputRange: ClosedRange<Double>
    /// The integral term, in output units.
    public private(set) var integral: Double

    public init(proportionalGain: Double, integralGain: Double, outputRange: ClosedRange<Double> = 0...1, integral: Double = 0) {
        self.proportionalGain = proportionalGain
        self.integralGain = integralGain
        self.outputRange = outputRange
        self.integral = min(max(integral, outputRange.lowerBound), outputRange.upperBound)
    }

    /// One step of `dt` seconds.
    /// - Parameter integrate: `false` freezes the integral (the output is not being applied).
    /// - Returns: the output, within ``outputRange``.
    public mutating func update(setpoint: Double, measurement: Double, dt: Double, integrate: Bool = true) -> Double {
        let error = setpoint - measurement
        let proportional = proportionalGain * error
        if integrate {
            let candidate = integral + integralGain * error * dt
            let unclamped = proportional + candidate
            var next = candidate
            if unclamped > outputRange.upperBound, error > 0 {
                // Integrate only up to where the output reaches its limit, never beyond.
                next = max(integral, min(candidate, outputRange.upperBound - proportional))
            } else if unclamped < outputRange.lowerBound, error < 0 {
                next = min(integral, max(candidate, outputRange.lowerBound - proportional))
            }
            integral = min(max(next, outputRange.lowerBound), outputRange.upperBound)
        }
        return min(max(proportional + integral, outputRange.lowerBound), outputRange.upperBound)
    }

    public mutating func reset() { integral = min(max(0, outputRange.lowerBound), outputRange.upperBound) }
}

/// Time-proportioning of a duty cycle onto an on/off output.
///
/// At the start of each window the duty (0…1) is latched; the output is on for the first
/// `duty × window` of the window and off for the rest. Evaluated once per cycle, so the on-time
/// resolution is the cycle period (0.1 s at 10 Hz).
public struct TimeProportioner: Sendable {
    public var window: Duration
    /// The duty latched for the current window.
    public private(set) var latchedDuty = 0.0
    private var windowStart: MonotonicInstant?
    private var onTime: Duration = .zero

    public init(window: Duration) {
        self.window = window
    }

    /// The output at `time` for the current `duty`.
    public mutating func output(duty: Double, at time: MonotonicInstant) -> Bool {
        if let start = windowStart, time - start < window, time >= start {
            return time - start < onTime
        }
        var start = windowStart ?? time
        if time < start || time - start >= window + window {
            start = time
        } else if time - start >= window {
            start = start + window
        }
        windowStart = start
        latchedDuty = min(max(duty.isFinite ? duty : 0, 0), 1)
        onTime = .nanoseconds(Int64((latchedDuty * Double(window.nanoseconds)).rounded()))
        return time - start < onTime
    }

    /// Restarts windowing at the next call.
    public mutating func reset() {
        windowStart = nil
        latchedDuty = 0
        onTime = .zero
    }
}
