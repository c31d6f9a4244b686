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
/// - Warning: ``forward()`` has one caller at a time: the thread while it runs, the shutdown
///   sequence after ``stop(timeout:)``. It is the only consumer of the services' rings.
final class TelemetryForwarder: @unchecked Sendable {
    private let services: SpaceServices
    private let downlink: Downlink
    private let clock: SystemMonotonicClock
    private let pollInterval: Duration
    private let stopping = LockedValue(false)
    private var thread: DedicatedThread?
    private var eventObserver: ((FlightEvent) -> Void)?
    /// Sees every packet handed to the downlink, with the time it was handed over (benchmarks).
    var packetObserver: ((TelemetryPacket, MonotonicInstant) -> Void)?

    init(services: SpaceServices, downlink: Downlink, clock: SystemMonotonicClock, pollInterval: Duration) {
        self.pollInterval = pollInterval
        self.services = services
        self.downlink = downlink
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

    /// Moves everything waiting in the services to the downlink once.
    func forward() {
        for packet in services.pump(observingEvents: eventObserver) {
            packetObserver?(packet, clock.now)
            _ = downlink.enqueue(packet.bytes, priority: packet.priority == .high ? .event : .housekeeping)
        }
    }
}
