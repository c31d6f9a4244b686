import HAL

/// The clock simulated device drivers see: it reads simulated time, but waiting on it returns at
/// once, because the register-level models answer instantly (a conversion is complete when it is
/// read). Without it, a driver's conversion wait inside a synchronous simulated cycle would move
/// simulated time forward mid-cycle and show up as a rate-group slip that real hardware (where
/// device I/O runs on its own thread) never has.
public final class SimulatedDeviceClock: MonotonicClock, @unchecked Sendable {
    private let base: SimClock

    public init(_ base: SimClock) {
        self.base = base
    }

    public var now: MonotonicInstant { base.now }

    public func sleep(until deadline: MonotonicInstant) {}
}
