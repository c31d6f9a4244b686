import HAL

/// Eclipse and sunlight from the solar array's power, with persistence in both directions.
///
/// Eclipse is declared once the array power has stayed below the threshold for ``entryTime``;
/// sunlight once it has stayed at or above it for ``exitTime``. Until either has happened the
/// state is unknown. An invalid reading restarts both timers and keeps the state.
public struct EclipseDetector: Sendable {
    public var entryTime: Duration
    public var exitTime: Duration
    /// `true` in eclipse, `false` in sunlight, `nil` not yet known.
    public private(set) var inEclipse: Bool?
    /// When the current state was declared.
    public private(set) var since: MonotonicInstant?
    private var belowSince: MonotonicInstant?
    private var aboveSince: MonotonicInstant?

    public init(entryTime: Duration, exitTime: Duration) {
        self.entryTime = entryTime
        self.exitTime = exitTime
    }

    /// Updates with array `power` (W; `nil` = not valid) against `threshold` (W).
    /// - Returns: `true` if the state changed.
    public mutating func update(power: Double?, threshold: Double, at time: MonotonicInstant) -> Bool {
        guard let power else {
            belowSince = nil
            aboveSince = nil
            return false
        }
        if power < threshold {
            aboveSince = nil
            let start = belowSince ?? time
            belowSince = start
            if inEclipse != true, time - start >= entryTime { return declare(true, at: time) }
        } else {
            belowSince = nil
            let start = aboveSince ?? time
            aboveSince = start
            if inEclipse != false, time - start >= exitTime { return declare(false, at: time) }
        }
        return false
    }

    private mutating func declare(_ eclipse: Bool, at time: MonotonicInstant) -> Bool {
        inEclipse = eclipse
        since = time
        return true
    }
}
