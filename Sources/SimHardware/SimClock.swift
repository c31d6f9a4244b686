import HAL

/// Simulated monotonic time that moves only when advanced.
///
/// Modelled on swift-nio's `EmbeddedEventLoop`: time starts at zero and moves with
/// ``advance(by:)`` or ``sleep(until:)``. Sleeping *is* advancing, so a fixed-rate executive
/// driven by a `SimClock` runs as fast as the CPU allows and identically every time. Observers
/// (the physics world) are told of every step, in registration order, on the advancing thread.
///
/// - Warning: Observers run with no lock held, on the thread that advanced the clock; they must
///   not advance the clock themselves.
public final class SimClock: MonotonicClock, @unchecked Sendable {
    private let state: LockedValue<MonotonicInstant>
    private let observers = LockedValue<[@Sendable (MonotonicInstant, MonotonicInstant) -> Void]>([])

    public init(start: MonotonicInstant = .zero) {
        state = LockedValue(start)
    }

    public var now: MonotonicInstant { state.withLock { $0 } }

    /// Moves time to `deadline` if it is in the future, telling the observers.
    public func sleep(until deadline: MonotonicInstant) {
        let step: (MonotonicInstant, MonotonicInstant)? = state.withLock { now in
            guard deadline > now else { return nil }
            let from = now
            now = deadline
            return (from, deadline)
        }
        guard let step else { return }
        let current = observers.withLock { $0 }
        for observer in current { observer(step.0, step.1) }
    }

    /// Moves time forward by `duration` (negative or zero durations do nothing).
    public func advance(by duration: Duration) {
        sleep(until: now.advanced(by: duration))
    }

    /// Registers `observer(from, to)`, called after every step of time.
    public func onAdvance(_ observer: @escaping @Sendable (MonotonicInstant, MonotonicInstant) -> Void) {
        observers.withLock { $0.append(observer) }
    }
}
