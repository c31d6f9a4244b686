import HAL

/// On/off control of the oxygen injection valve: a hysteresis band with minimum on and off times.
///
/// - The valve opens when ppO2 falls below the low limit and closes when it rises above the high
///   limit; in between it keeps its state. If the limits are ever crossed (low ≥ high through two
///   independent tunables), closing wins: the law never injects above the high limit.
/// - Once opened it stays open at least ``minimumOnTime``; once closed it stays closed at least
///   ``minimumOffTime``. This bounds the valve's cycle rate whatever the sensor noise.
/// - With no ppO2 known (both sensors failed) it closes at once, minimum on-time or not:
///   protecting the valve never outranks not injecting oxygen blind.
public struct OxygenValveLogic: Sendable {
    public var minimumOnTime: Duration
    public var minimumOffTime: Duration
    /// The commanded state.
    public private(set) var isOpen = false
    /// When the commanded state last changed (`nil`: never, so no minimum time applies).
    public private(set) var lastChange: MonotonicInstant?

    public init(minimumOnTime: Duration, minimumOffTime: Duration) {
        self.minimumOnTime = minimumOnTime
        self.minimumOffTime = minimumOffTime
    }

    /// Updates the command from the voted ppO2 at `time`.
    /// - Returns: whether the valve is to be open.
    public mutating func update(ppo2: Double?, low: Double, high: Double, at time: MonotonicInstant) -> Bool {
        guard let ppo2 else {
            if isOpen { change(to: false, at: time) }
            return isOpen
        }
        if isOpen {
            if ppo2 > high, held(atLeast: minimumOnTime, at: time) { change(to: false, at: time) }
        } else {
            if ppo2 < low, ppo2 <= high, held(atLeast: minimumOffTime, at: time) { change(to: true, at: time) }
        }
        return isOpen
    }

    /// Closes the valve and forgets the timing (for a controller that stops commanding).
    public mutating func reset() {
        isOpen = false
        lastChange = nil
    }

    private func held(atLeast minimum: Duration, at time: MonotonicInstant) -> Bool {
        guard let lastChange else { return true }
        return time - lastChange >= minimum
    }

    private mutating func change(to open: Bool, at time: MonotonicInstant) {
        isOpen = open
        lastChange = time
    }
}
