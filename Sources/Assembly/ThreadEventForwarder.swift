import FlightCore
import HAL

/// Events raised on the vehicle's threads other than the executive's: the telemetry thread
/// (packet store, replay, state files), the uplink thread and the downlink thread (contact).
///
/// ``EventLog`` has one producer, so each of those threads raises into its own log
/// (``telemetry``, ``uplink``, ``downlink``); this prologue member moves what they hold into the
/// executive's event router once per base tick, where fault management's event-actions see it and
/// the services report it (TM[5,x]), exactly as for the device I/O threads' logs.
///
/// - Warning: ``run(_:)``: executive thread only (the logs' single consumer). Each log: raised
///   from its own thread only.
public final class ThreadEventForwarder: RateGroupMember {
    public let name = "thread-events"
    /// The telemetry thread's events (single producer: `iost-telemetry`).
    public let telemetry: EventLog
    /// The uplink thread's events (single producer: `iost-uplink`).
    public let uplink: EventLog
    /// The downlink thread's events (single producer: `iost-downlink`).
    public let downlink: EventLog
    private let sink: any EventSink

    /// - Parameters:
    ///   - sink: the executive's event router.
    ///   - capacity: events each log holds before it drops (and counts) them.
    public init(into sink: any EventSink, capacity: Int = 64) {
        self.sink = sink
        telemetry = EventLog(capacity: capacity)
        uplink = EventLog(capacity: capacity)
        downlink = EventLog(capacity: capacity)
    }

    public func run(_ cycle: CycleContext) {
        telemetry.forward(to: sink)
        uplink.forward(to: sink)
        downlink.forward(to: sink)
    }

    /// Events dropped because a log was full.
    public var droppedCount: Int { telemetry.droppedCount + uplink.droppedCount + downlink.droppedCount }
}
