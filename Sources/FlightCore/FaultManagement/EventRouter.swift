/// The event sink the topology gives every component: records each event in the telemetry log
/// (and any other downstream sink) and keeps it in a fixed-size inbox that the event-action
/// table drains every monitoring cycle.
///
/// Fan-out without allocation: the downstream sinks are fixed when the topology is built, and the
/// inbox is a ring preallocated to its capacity. When the inbox is full, the newest event is not
/// queued (it is still logged) and ``droppedCount`` grows; the event-action table reports the
/// loss with `event_inbox_overflow`. Keeping the oldest events keeps the first cause of a cascade.
///
/// - Warning: Not thread-safe: raise only on the executive's thread (rate-group members and
///   commands at cycle boundaries). I/O threads hand their events to the executive first.
public final class EventRouter: EventSink {
    private var downstream: [any EventSink]
    private var ring: [FlightEvent]
    private var head = 0
    public private(set) var pendingCount = 0
    /// Events that did not fit in the inbox since start.
    public private(set) var droppedCount: UInt64 = 0
    /// Every event raised since start.
    public private(set) var raisedCount: UInt64 = 0

    /// - Parameters:
    ///   - inboxCapacity: events the inbox holds between two drains (at least 1).
    ///   - downstream: sinks that record every event (the telemetry event log), in order.
    public init(inboxCapacity: Int = 64, downstream: [any EventSink] = []) {
        precondition(inboxCapacity > 0, "the event inbox needs room for at least one event")
        self.downstream = downstream
        ring = Array(repeating: FlightEvent(id: EventID(0), severity: .informative, time: .zero, count: 0), count: inboxCapacity)
    }

    public var inboxCapacity: Int { ring.count }

    /// Adds a downstream sink. Topology build time only.
    public func addDownstream(_ sink: any EventSink) {
        downstream.append(sink)
    }

    public func raise(_ event: FlightEvent) {
        raisedCount &+= 1
        for sink in downstream { sink.raise(event) }
        guard pendingCount < ring.count else {
            droppedCount &+= 1
            return
        }
        var tail = head + pendingCount
        if tail >= ring.count { tail -= ring.count }
        ring[tail] = event
        pendingCount += 1
    }

    /// Removes and returns the oldest queued event.
    @inline(__always)
    public func next() -> FlightEvent? {
        guard pendingCount > 0 else { return nil }
        let event = ring[head]
        head += 1
        if head == ring.count { head = 0 }
        pendingCount -= 1
        return event
    }
}
