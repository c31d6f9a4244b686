import HAL

/// The executive's event log: an ``EventSink`` over a bounded, preallocated ring, drained by
/// telemetry (PUS service 5 reports) and event-action dispatch.
///
/// ``raise(_:)`` never blocks or allocates; when the ring is full the event is dropped and
/// counted (``droppedCount``, reported as the parameter `exec.events_dropped`).
///
/// - Warning: Single producer: raise only from the thread that owns this log (the executive's
///   thread for the main log; each device I/O thread has its own log, forwarded by
///   ``SampleIngest``). Single consumer: drain from one thread only.
public final class EventLog: EventSink, @unchecked Sendable {
    private let ring: SPSCRing<FlightEvent>

    /// - Parameter capacity: events held before drops start (default 256).
    public init(capacity: Int = 256) {
        ring = SPSCRing(capacity: capacity)
    }

    @inline(__always)
    public func raise(_ event: FlightEvent) {
        ring.push(event)
    }

    /// The oldest event not yet taken. Consumer side.
    public func next() -> FlightEvent? { ring.pop() }

    /// Hands up to `limit` events to `body`, oldest first. Consumer side.
    @discardableResult
    public func drain(limit: Int = .max, _ body: (FlightEvent) throws -> Void) rethrows -> Int {
        try ring.drain(limit: limit, body)
    }

    /// Moves every waiting event into `sink` (used to forward an I/O thread's log to the main one).
    @discardableResult
    public func forward(to sink: any EventSink, limit: Int = .max) -> Int {
        ring.drain(limit: limit) { sink.raise($0) }
    }

    public var capacity: Int { ring.capacity }
    public var count: Int { ring.count }
    /// Events lost because the log was full.
    public var droppedCount: Int { ring.droppedCount }
    /// Events recorded since creation.
    public var raisedCount: Int { ring.acceptedCount }
}
