#if canImport(Glibc)
    import Glibc
#endif

/// `CLOCK_MONOTONIC`: nanoseconds since boot, not counting suspend — the clock the kernel stamps
/// GPIO edges with, and the one every deadline of the flight software is measured on.
///
/// LinuxHAL's `SystemMonotonicClock` presents it as the HAL's `MonotonicClock`; this is the
/// same clock for code below the HAL (threads, latches, sockets, the daemon).
public enum MonotonicTime {
    /// The current time in nanoseconds.
    ///
    /// `clock_gettime(CLOCK_MONOTONIC)` cannot fail with a valid pointer (the vDSO answers
    /// without a system call).
    @inline(__always)
    public static var nanoseconds: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// The time `interval` from now, saturating (a negative interval is now).
    public static func deadline(after interval: Duration) -> UInt64 {
        let delta = UInt64(clamping: max(0, interval.wholeNanoseconds))
        let (sum, overflow) = nanoseconds.addingReportingOverflow(delta)
        return overflow ? .max : sum
    }

    /// Blocks the calling thread until the clock reaches `deadline` (nanoseconds); returns at
    /// once if it has passed. A signal interrupting the sleep only restarts it toward the same
    /// deadline (`clock_nanosleep(TIMER_ABSTIME)`), so fixed-rate loops do not drift.
    public static func sleep(untilNanoseconds deadline: UInt64) {
        var target = timespec(deadlineNanoseconds: deadline)
        // The only other failure, EINVAL, needs a malformed timespec, which the division rules out.
        _ = try? retryingOnInterrupt("clock_nanosleep", .returnsErrorNumber) {
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil)
        }
    }

    /// Blocks the calling thread for `interval` (measured on this clock, signals retried).
    public static func sleep(for interval: Duration) {
        sleep(untilNanoseconds: deadline(after: interval))
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64` (Systems' own; HAL has the same
    /// conversion as `nanoseconds`, which this target cannot see).
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflowed) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflowed { return seconds < 0 ? .min : .max }
        return sum
    }
}

extension timespec {
    /// An absolute `CLOCK_MONOTONIC` time in nanoseconds as a `timespec`.
    init(deadlineNanoseconds nanoseconds: UInt64) {
        self.init(tv_sec: Int(clamping: nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    }
}
