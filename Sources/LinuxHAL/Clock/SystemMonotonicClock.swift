import HAL
import Systems

/// The HAL clock on Linux: `CLOCK_MONOTONIC`, the clock the kernel stamps GPIO edges with.
///
/// ``sleep(until:)`` sleeps to an absolute deadline with `clock_nanosleep(TIMER_ABSTIME)`, so a
/// fixed-rate loop that adds its period to the previous deadline does not drift, and a signal
/// that interrupts the sleep only restarts it toward the same deadline.
///
/// The clock has no state; ``shared`` serves every user.
public final class SystemMonotonicClock: MonotonicClock, Sendable {
    /// The process's monotonic clock.
    public static let shared = SystemMonotonicClock()

    public init() {}

    /// The current `CLOCK_MONOTONIC` time (nanoseconds since boot, not counting suspend).
    public var now: MonotonicInstant { MonotonicInstant(nanoseconds: MonotonicTime.nanoseconds) }

    /// Blocks the calling thread until `CLOCK_MONOTONIC` reaches `deadline`; returns at once if
    /// it has passed. Interruptions by signals are retried toward the same deadline.
    public func sleep(until deadline: MonotonicInstant) {
        MonotonicTime.sleep(untilNanoseconds: deadline.nanoseconds)
    }
}
