/// A point in monotonic time, in nanoseconds since an arbitrary origin (boot, or a simulation's start).
public struct MonotonicInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    public static let zero = MonotonicInstant(nanoseconds: 0)

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `self` moved by `duration`, saturating at zero and at the largest representable instant.
    public func advanced(by duration: Duration) -> MonotonicInstant {
        let delta = duration.nanoseconds
        if delta >= 0 {
            let (sum, overflow) = nanoseconds.addingReportingOverflow(UInt64(delta))
            return MonotonicInstant(nanoseconds: overflow ? .max : sum)
        }
        let magnitude = UInt64(delta.magnitude)
        return MonotonicInstant(nanoseconds: nanoseconds >= magnitude ? nanoseconds - magnitude : 0)
    }

    /// The time from `earlier` to `self` (negative if `earlier` is later).
    public func duration(since earlier: MonotonicInstant) -> Duration {
        if nanoseconds >= earlier.nanoseconds {
            return .nanoseconds(Int64(clamping: nanoseconds - earlier.nanoseconds))
        }
        return .nanoseconds(-Int64(clamping: earlier.nanoseconds - nanoseconds))
    }

    public static func + (lhs: MonotonicInstant, rhs: Duration) -> MonotonicInstant { lhs.advanced(by: rhs) }
    public static func - (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Duration { lhs.duration(since: rhs) }

    /// Seconds since the origin, as a `Double`.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public var description: String { "t+\(seconds)s" }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).overflow ? (seconds < 0 ? .min : .max) : scaled + attoseconds / 1_000_000_000
    }

    /// The duration in seconds, as a `Double`.
    public var secondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

/// The HAL's clock: monotonic time and sleeping until an absolute deadline.
///
/// On Linux, CLOCK_MONOTONIC with `clock_nanosleep(TIMER_ABSTIME)`; in simulation, a `SimClock`
/// whose time moves only when it is advanced, so the executive, the fault machine and scenarios
/// run deterministically and as fast as the CPU allows.
public protocol MonotonicClock: AnyObject, Sendable {
    /// The current instant.
    var now: MonotonicInstant { get }
    /// Blocks the calling thread until `deadline` (returns at once if it has passed).
    func sleep(until deadline: MonotonicInstant)
}
