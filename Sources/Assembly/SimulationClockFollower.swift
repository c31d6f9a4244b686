import FlightCore
import HAL
import SimHardware

/// Runs the simulated world in real time: a prologue member of an executive on the system clock
/// that advances the simulation's `SimClock` to the wall time elapsed since the start, stepping
/// the physics and refreshing the device models once per base tick.
///
/// Used by `iostd run` on a configuration whose buses are simulated (`make run`): the flight
/// software runs exactly as on hardware — threads, SCHED_FIFO, I/O threads per bus — while the
/// devices it talks to are the register-level models.
public final class SimulationClockFollower: RateGroupMember {
    public let name = "simulation-clock"
    private let simulation: SimClock
    private let start: MonotonicInstant

    /// - Parameters:
    ///   - start: the wall-clock instant that corresponds to the simulation's current time.
    public init(simulation: SimClock, wallClockStart start: MonotonicInstant) {
        self.simulation = simulation
        self.start = start
    }

    public func run(_ cycle: CycleContext) {
        // Advance to the cycle's scheduled time: deterministic steps of one base period.
        let elapsed = cycle.time.duration(since: start)
        guard elapsed > .zero else { return }
        simulation.sleep(until: MonotonicInstant.zero.advanced(by: elapsed))
    }
}
