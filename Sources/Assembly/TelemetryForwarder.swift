import FlightCore
import HAL
import Link
import LinuxHAL
import Systems

/// The telemetry thread (`iost-telemetry`): every quarter of a downlink frame time
/// (``TelemetryPacing``), the services' packets (acceptance
/// reports, verification, housekeeping, events) into the downlink's queues, events at the
/// downlink's event priority.
///
/// - Warning: ``forward()`` and ``flush(timeout:)`` have one caller at a time: the thread while
///   it runs, the shutdown sequence after ``stop(timeout:)``. It is the only consumer of the
///   services' rings.
final class TelemetryForwarder: @unchecked Sendable {
    private var forwarding: TelemetryForwarding
    private let clock: SystemMonotonicClock
    private let pollInterval: Duration
    private let stopping = LockedValue(false)
    private var thread: DedicatedThread?
    private var eventObserver: ((FlightEvent) -> Void)?
    /// Sees every packet handed to the downlink, with the time it was handed over (benchmarks).
    var packetObserver: ((TelemetryPacket, MonotonicInstant) -> Void)?

    init(
        services: SpaceServices, downlink: Downlink, uplink: Uplink, storage: OnboardStorage, clock: SystemMonotonicClock, pollInterval: Duration
    ) {
        self.pollInterval = pollInterval
        forwarding = TelemetryForwarding(services: services, downlink: downlink, uplink: uplink, storage: storage)
        self.clock = clock
    }

    func start(eventObserver: ((FlightEvent) -> Void)?) throws(ThreadStartError) {
        self.eventObserver = eventObserver
        thread = try DedicatedThread(name: .telemetry) { [self] _ in
            while !stopping.current {
                forward()
                clock.sleep(until: clock.now.advanced(by: pollInterval))
            }
        }
    }

    func stop(timeout: Duration) {
        stopping.withLock { $0 = true }
        _ = thread?.join(timeout: timeout)
    }

    /// Moves what the downlink can take from the services once (the rest waits in the backlog),
    /// updates the link counters and releases FARM-1's buffer when there is room.
    func forward() {
        forwarding.forward(eventObserver: eventObserver, packetObserver: packetObserver, clock: clock)
    }

    /// After ``stop(timeout:)``: forwards until everything is sent or `timeout` passes.
    func flush(timeout: Duration) -> Bool {
        forwarding.flush(timeout: timeout, clock: clock)
    }
}
