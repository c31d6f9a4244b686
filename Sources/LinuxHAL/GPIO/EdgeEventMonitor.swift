import HAL
import Systems

/// Watches one edge-event line on a dedicated thread and keeps its events in a bounded ring
/// that the consumer drains.
///
/// The thread (a ``DedicatedThread``, not a Swift concurrency task) blocks in
/// ``HAL/GPIOEdgeEventLine/waitForEvents(timeout:)`` for at most the poll interval at a time, so
/// it notices ``stop(timeout:)`` within one interval. Events go into a ring preallocated at
/// `capacity`; a consumer — typically a rate group — takes them with ``drain(into:)`` without
/// blocking on I/O (the ring's lock is held only to copy events). Delivery through a ring rather
/// than a callback keeps the consumer's code off the I/O thread and gives a fixed memory bound.
///
/// When the ring is full the **oldest** event is overwritten and counted in
/// ``Statistics/dropped``, as the kernel's own event FIFO and ``SimHardware`` do: the newest
/// edges describe the line's present state.
///
/// Lines that return from a wait early without events (a simulated line returns at once) do not
/// make the thread spin: it waits out the rest of the poll interval, waking at once on stop.
/// A wait that throws is counted, kept in ``Statistics/lastError``, and retried after one
/// interval; a line that reports `.released` ends the thread.
///
/// - Warning: The monitor owns the line while it runs: do not call the line from other threads.
///   Release the line after ``stop(timeout:)`` returns `true`.
public final class EdgeEventMonitor: @unchecked Sendable {
    /// What the monitor has seen.
    public struct Statistics: Sendable, Equatable {
        /// Events read from the line.
        public var received: UInt64 = 0
        /// Events overwritten in the ring before the consumer drained them.
        public var dropped: UInt64 = 0
        /// Waits that threw.
        public var waitErrors: UInt64 = 0
        /// The last error a wait threw.
        public var lastError: GPIOError?
    }

    /// The ring and statistics, shared by the monitor thread and consumers.
    private struct Ring {
        var slots: [GPIOEdgeEvent]
        var oldest = 0
        var count = 0
        var statistics = Statistics()

        init(capacity: Int) {
            slots = Array(repeating: GPIOEdgeEvent(kind: .rising, timestampNanoseconds: 0, lineOffset: 0), count: capacity)
        }

        mutating func push(_ event: GPIOEdgeEvent) {
            statistics.received += 1
            if count == slots.count {
                oldest = (oldest + 1) % slots.count
                count -= 1
                statistics.dropped += 1
            }
            slots[(oldest + count) % slots.count] = event
            count += 1
        }
    }

    /// What the thread needs; kept alive by the thread even if the monitor is dropped.
    private final class Core: @unchecked Sendable {
        let line: any GPIOEdgeEventLine
        let pollInterval: Duration
        let ring: LockedValue<Ring>
        let stopRequested = Latch()

        init(line: any GPIOEdgeEventLine, pollInterval: Duration, capacity: Int) {
            self.line = line
            self.pollInterval = pollInterval
            ring = LockedValue(Ring(capacity: capacity))
        }

        func run() {
            let clock = SystemMonotonicClock.shared
            while !stopRequested.isSet {
                let started = clock.now
                do {
                    let events = try line.waitForEvents(timeout: pollInterval)
                    if !events.isEmpty {
                        ring.withLock { ring in
                            for event in events { ring.push(event) }
                        }
                        continue
                    }
                } catch {
                    ring.withLock { ring in
                        ring.statistics.waitErrors += 1
                        ring.statistics.lastError = error
                    }
                    if error.kind == .released { return }
                }
                stopRequested.wait(until: started + pollInterval)
            }
        }
    }

    /// The ring's default size: 1 s of a 256 Hz edge source.
    public static let defaultCapacity = 256
    /// The default longest single wait; bounds how long ``stop(timeout:)`` takes.
    public static let defaultPollInterval: Duration = .milliseconds(20)

    /// The thread's name.
    public let name: ThreadName
    /// The longest single wait for events.
    public let pollInterval: Duration
    /// The most events the ring holds.
    public let capacity: Int
    private let core: Core
    private let thread: DedicatedThread

    /// Starts watching `line`.
    ///
    /// - Parameters:
    ///   - line: the edge-event line; the monitor uses it from its thread until stopped.
    ///   - name: the thread's name, such as `.edge("geiger")`.
    ///   - capacity: the most events kept between drains (at least 1).
    ///   - pollInterval: the longest single wait (more than zero).
    /// - Throws: ``ThreadStartError`` if the thread cannot be started.
    public init(
        line: any GPIOEdgeEventLine,
        name: ThreadName = .edge("gpio"),
        capacity: Int = EdgeEventMonitor.defaultCapacity,
        pollInterval: Duration = EdgeEventMonitor.defaultPollInterval
    ) throws(ThreadStartError) {
        precondition(capacity > 0, "EdgeEventMonitor capacity must be at least 1")
        precondition(pollInterval > .zero, "EdgeEventMonitor poll interval must be positive")
        let core = Core(line: line, pollInterval: pollInterval, capacity: capacity)
        self.name = name
        self.pollInterval = pollInterval
        self.capacity = capacity
        self.core = core
        thread = try DedicatedThread(name: name) { core.run() }
    }

    deinit {
        // Ask the thread to end; DedicatedThread detaches it if nobody joined it.
        core.stopRequested.set()
    }

    /// Whether the monitor thread is still running.
    public var isRunning: Bool { !thread.hasFinished }

    /// The number of events waiting in the ring.
    public var pendingCount: Int { core.ring.withLock { $0.count } }

    /// Counters and the last wait error.
    public var statistics: Statistics { core.ring.withLock { $0.statistics } }

    /// Moves every waiting event, oldest first, to the end of `events`.
    ///
    /// Allocates nothing when `events` has the capacity (reserve ``capacity`` once).
    /// - Returns: the number of events moved.
    @discardableResult
    public func drain(into events: inout [GPIOEdgeEvent]) -> Int {
        core.ring.withLock { ring in
            let moved = ring.count
            for index in 0..<moved {
                events.append(ring.slots[(ring.oldest + index) % ring.slots.count])
            }
            ring.oldest = (ring.oldest + moved) % ring.slots.count
            ring.count = 0
            return moved
        }
    }

    /// Every waiting event, oldest first.
    public func drain() -> [GPIOEdgeEvent] {
        var events: [GPIOEdgeEvent] = []
        drain(into: &events)
        return events
    }

    /// Asks the thread to stop and waits up to `timeout` for it to end and be joined.
    ///
    /// The thread notices within one poll interval plus the line's wait overrun, so `timeout`
    /// should exceed ``pollInterval``. Events already in the ring stay drainable. Idempotent.
    /// - Returns: whether the thread has ended; `false` if it is still inside a wait (it ends
    ///   on its own later, and a later call can join it).
    @discardableResult
    public func stop(timeout: Duration) -> Bool {
        core.stopRequested.set()
        return thread.join(timeout: timeout)
    }
}
