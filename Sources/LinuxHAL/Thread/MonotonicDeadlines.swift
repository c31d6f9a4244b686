import HAL
import Systems

extension Latch {
    /// Blocks until the latch is set or `CLOCK_MONOTONIC` reaches `deadline`.
    ///
    /// - Parameter deadline: an instant of ``SystemMonotonicClock`` (not of a simulated clock:
    ///   the wait is on the real clock).
    /// - Returns: whether the latch is set.
    @discardableResult
    public func wait(until deadline: MonotonicInstant) -> Bool {
        wait(untilNanoseconds: deadline.nanoseconds)
    }
}
