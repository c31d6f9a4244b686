#if canImport(Glibc)
import Glibc
#endif
import HAL

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
    public var now: MonotonicInstant {
        var time = timespec()
        // CLOCK_MONOTONIC cannot fail with a valid pointer (the vDSO answers without a system call).
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec))
    }

    /// Blocks the calling thread until `CLOCK_MONOTONIC` reaches `deadline`; returns at once if
    /// it has passed. Interruptions by signals are retried toward the same deadline.
    public func sleep(until deadline: MonotonicInstant) {
        var target = timespec(
            tv_sec: Int(deadline.nanoseconds / 1_000_000_000),
            tv_nsec: Int(deadline.nanoseconds % 1_000_000_000)
        )
        // The only other failure, EINVAL, needs a malformed timespec, which the division rules out.
        _ = retryingOnInterruptReturningErrorNumber {
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil)
        }
    }
}
