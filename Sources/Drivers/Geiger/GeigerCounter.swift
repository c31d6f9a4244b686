import HAL

/// One Geiger counter sample: the pulses of one window and what they mean.
public struct GeigerSample: Sendable, Equatable {
    /// The window's length, seconds.
    public var windowSeconds: Double
    /// Pulses counted in the window.
    public var counts: Int
    /// Measured rate, counts per minute.
    public var cpm: Double
    /// Rate corrected for the tube's dead time, counts per minute.
    public var correctedCPM: Double
    /// Dose rate, µSv/h.
    public var doseRateMicrosievertsPerHour: Double

    /// The sample as readings (`counts`, `cpm`, `cpm_corrected`, `dose_rate_usv_h`, `window_s`).
    public var readings: [Reading] {
        [
            Reading("counts", Double(counts)),
            Reading("cpm", cpm),
            Reading("cpm_corrected", correctedCPM),
            Reading("dose_rate_usv_h", doseRateMicrosievertsPerHour),
            Reading("window_s", windowSeconds),
        ]
    }
}

/// Lifetime totals of a Geiger counter's event stream, for telemetry and fault management.
public struct GeigerStatistics: Sendable, Equatable {
    /// Events of the counted edge accepted since start.
    public var acceptedEvents: Int = 0
    /// Events accepted while the timestamp buffer was full (counted, without a timestamp).
    public var bufferOverflows: Int = 0
    /// Events whose timestamp went backwards from the previous one (discarded: the kernel's
    /// timestamps on one line are monotonic, so this means a broken source).
    public var timestampAnomalies: Int = 0
    /// Events of the other edge (the line was requested for both edges).
    public var ignoredEdges: Int = 0
    /// Events the kernel produced but lost before they were read (its per-line buffer was full),
    /// found from gaps in the events' line sequence numbers (libgpiod v2). Each is counted as a
    /// pulse of the window it is found in: the line is requested for the counted edge only, so
    /// every sequence number is one pulse. Always 0 under libgpiod v1, which has no sequence
    /// numbers (and a fixed 16-event kernel buffer per line).
    public var lostEvents: Int = 0

    public init(acceptedEvents: Int = 0, bufferOverflows: Int = 0, timestampAnomalies: Int = 0, ignoredEdges: Int = 0, lostEvents: Int = 0) {
        self.acceptedEvents = acceptedEvents
        self.bufferOverflows = bufferOverflows
        self.timestampAnomalies = timestampAnomalies
        self.ignoredEdges = ignoredEdges
        self.lostEvents = lostEvents
    }
}

/// A Geiger–Müller tube's pulse output on a GPIO line, counted from kernel-timestamped edge events.
///
/// The counter never polls a level: pulses arrive as edge events carrying the kernel's
/// CLOCK_MONOTONIC timestamp, either pulled by ``ingest(timeout:)`` on a dedicated I/O thread or
/// pushed with ``record(_:)`` by an edge-event monitor that owns the wait. Their timestamps go into
/// a bounded buffer allocated once at initialisation; ``sample(windowEnd:)`` takes the events up to
/// the window's end (events stamped later stay for the next window), and converts the count to CPM,
/// dead-time-corrected CPM and a dose rate (see ``GeigerConversion``).
///
/// The line is held as `any GPIOEdgeEventLine` rather than as a generic parameter: the HAL's
/// `GPIOChip.requestEdgeEvents` hands out an existential, the monitor binding and the topology must
/// name the counter's own API (`record`, `ingest`, `sample`) and not only `SensorDevice`, and the
/// line is touched once per blocking wait on the I/O thread, where a dynamic call is nothing next to
/// the syscall. The control path (``readSample()``) never touches the line.
///
/// - Warning: ``ingest(timeout:)`` and ``start()`` block on the line: call them from the counter's
///   I/O thread. ``record(_:)``, ``sample(windowEnd:)`` and ``readSample()`` take a lock for a few
///   microseconds and never block on I/O; they may be called from any thread, the rate group included.
///   The clock must be the one the line's timestamps are on (CLOCK_MONOTONIC, or the `SimClock`).
public final class GeigerCounter: SensorDevice, @unchecked Sendable {
    public let name: String
    public let driver = "geiger"
    public let configuration: GeigerConfiguration

    private let line: any GPIOEdgeEventLine
    private let clock: any MonotonicClock
    private let tally: LockedValue<EventTally>
    /// A wait on the line that failed since the last sample: the next ``readSample()`` reports it
    /// as a bus error, so a dead line is a failed device, not a quiet tube. (The thread pumping
    /// the edges may not act on the error itself.)
    private let lineFailure = LockedValue<GPIOError?>(nil)

    /// - Parameters:
    ///   - name: the configured device name.
    ///   - line: the tube's pulse line, requested for edge events (the counted edge, or both).
    ///   - clock: the clock the kernel timestamps the events with; gives the end of each window.
    ///   - configuration: the tube's dead time and dose factor.
    public init(name: String, line: any GPIOEdgeEventLine, clock: any MonotonicClock, configuration: GeigerConfiguration = .sbm20) {
        self.name = name
        self.line = line
        self.clock = clock
        self.configuration = configuration
        self.tally = LockedValue(EventTally(capacity: max(1, configuration.bufferCapacity), countedEdge: configuration.countedEdge))
    }

    /// Checks the configuration and the line, discards stale events and opens the first window now.
    ///
    /// - Returns: the identity line for `iostd probe`.
    /// - Throws: `.configuration` for unusable values, `.bus` when the line cannot be waited on.
    public func start() throws(DeviceError) -> String {
        do {
            try configuration.validate()
        } catch {
            throw DeviceError(error, device: name, driver: driver)
        }
        let drained: [GPIOEdgeEvent]
        do {
            drained = try line.waitForEvents(timeout: .zero)
        } catch {
            throw DeviceError(GeigerError.bus(error), device: name, driver: driver)
        }
        let now = clock.now
        lineFailure.withLock { $0 = nil }
        tally.withLock { $0.restart(at: now, discarding: drained) }
        let microseconds = (configuration.deadTimeSeconds * 1e6).rounded()
        return "GM tube on \(configuration.countedEdge) edges, τ \(Int(microseconds)) µs, \(configuration.microsievertsPerHourPerCPM) µSv/h per CPM"
    }

    /// Waits up to `timeout` for edge events on the line and records them.
    ///
    /// - Returns: how many events of the counted edge were accepted.
    /// - Throws: `.bus` when the wait fails.
    /// - Warning: Blocks: call it only from the counter's I/O thread.
    @discardableResult
    public func ingest(timeout: Duration) throws(DeviceError) -> Int {
        let events: [GPIOEdgeEvent]
        do {
            events = try line.waitForEvents(timeout: timeout)
        } catch {
            lineFailure.withLock { $0 = error }
            throw DeviceError(GeigerError.bus(error), device: name, driver: driver)
        }
        return record(events)
    }

    /// Records edge events delivered by someone else (an edge-event monitor owning the wait).
    ///
    /// - Returns: how many events of the counted edge were accepted.
    @discardableResult
    public func record(_ events: [GPIOEdgeEvent]) -> Int {
        guard !events.isEmpty else { return 0 }
        return tally.withLock { $0.record(events) }
    }

    /// Closes the current window at `windowEnd` and converts its pulses.
    ///
    /// Events stamped up to and including `windowEnd` belong to the window; later ones stay for the
    /// next. The window is consumed even when the conversion throws.
    ///
    /// - Throws: ``GeigerError/notStarted``, ``GeigerError/emptyWindow(seconds:)`` when `windowEnd` is
    ///   not after the previous window's end, ``GeigerError/saturated(measuredCPM:deadTimeSeconds:)``.
    public func sample(windowEnd: MonotonicInstant) throws(GeigerError) -> GeigerSample {
        let closed = tally.withLock { $0.close(at: windowEnd) }
        guard let closed else { throw .notStarted }
        let seconds = closed.seconds
        let cpm = try GeigerConversion.countsPerMinute(counts: closed.counts, windowSeconds: seconds)
        let corrected = try GeigerConversion.deadTimeCorrected(cpm: cpm, deadTimeSeconds: configuration.deadTimeSeconds)
        let dose = GeigerConversion.doseRate(correctedCPM: corrected, microsievertsPerHourPerCPM: configuration.microsievertsPerHourPerCPM)
        return GeigerSample(windowSeconds: seconds, counts: closed.counts, cpm: cpm, correctedCPM: corrected, doseRateMicrosievertsPerHour: dose)
    }

    /// Samples the window ending now: `counts`, `cpm`, `cpm_corrected`, `dose_rate_usv_h`, `window_s`,
    /// plus the lifetime `buffer_overflows`, `timestamp_anomalies` and `lost_events` (kernel events
    /// lost to a full buffer, from sequence-number gaps; see ``GeigerStatistics/lostEvents``).
    ///
    /// Does not touch the line: the I/O thread (or the monitor) feeds the events.
    public func readSample() throws(DeviceError) -> [Reading] {
        if let failure = lineFailure.withLock({ failure in
            defer { failure = nil }; return failure
        }) {
            throw DeviceError(GeigerError.bus(failure), device: name, driver: driver)
        }
        let result: GeigerSample
        do {
            result = try sample(windowEnd: clock.now)
        } catch {
            throw DeviceError(error, device: name, driver: driver)
        }
        let totals = statistics
        return result.readings + [
            Reading("buffer_overflows", Double(totals.bufferOverflows)),
            Reading("timestamp_anomalies", Double(totals.timestampAnomalies)),
            Reading("lost_events", Double(totals.lostEvents)),
        ]
    }

    /// Lifetime totals since the last ``start()``.
    public var statistics: GeigerStatistics { tally.withLock { $0.statistics } }
}

/// The counter's shared state: a ring of event timestamps allocated once, the open window and totals.
struct EventTally {
    private var ring: [UInt64]
    private var head = 0
    private var stored = 0
    /// Events accepted while the ring was full; they belong to the next window closed.
    private var untimestamped = 0
    private var lastTimestamp: UInt64?
    /// The line sequence number of the last event seen (any edge); the kernel numbers a fresh
    /// request's events from 1. Kept across restarts: the line (and its numbering) stays.
    private var lastSequence: UInt64 = 0
    private var windowStart: MonotonicInstant?
    private let countedEdge: GPIOEdgeEvent.Kind
    private(set) var statistics = GeigerStatistics()

    init(capacity: Int, countedEdge: GPIOEdgeEvent.Kind) {
        ring = Array(repeating: 0, count: capacity)
        self.countedEdge = countedEdge
    }

    /// Starts counting afresh at `instant`; `discarded` are events read and dropped by the start
    /// (their sequence numbers move the expected next one, without counting a loss).
    mutating func restart(at instant: MonotonicInstant, discarding discarded: [GPIOEdgeEvent] = []) {
        head = 0
        stored = 0
        untimestamped = 0
        lastTimestamp = nil
        for event in discarded { if let sequence = event.lineSequence, sequence > lastSequence { lastSequence = sequence } }
        windowStart = instant
        statistics = GeigerStatistics()
    }

    mutating func record(_ events: [GPIOEdgeEvent]) -> Int {
        var accepted = 0
        for event in events {
            if let sequence = event.lineSequence, sequence > lastSequence {
                if sequence > lastSequence &+ 1 {
                    let lost = Int(clamping: sequence - lastSequence - 1)
                    statistics.lostEvents += lost
                    untimestamped += lost
                }
                lastSequence = sequence
            }
            guard event.kind == countedEdge else {
                statistics.ignoredEdges += 1
                continue
            }
            if let last = lastTimestamp, event.timestampNanoseconds < last {
                statistics.timestampAnomalies += 1
                continue
            }
            lastTimestamp = event.timestampNanoseconds
            accepted += 1
            if stored < ring.count {
                ring[(head + stored) % ring.count] = event.timestampNanoseconds
                stored += 1
            } else {
                untimestamped += 1
                statistics.bufferOverflows += 1
            }
        }
        statistics.acceptedEvents += accepted
        return accepted
    }

    /// Takes the events up to `end`; returns nil before the first start.
    mutating func close(at end: MonotonicInstant) -> (counts: Int, seconds: Double)? {
        guard let start = windowStart else { return nil }
        // A window that does not move forward consumes nothing (the caller gets `emptyWindow`).
        guard end > start else { return (0, (end - start).secondsDouble) }
        var counts = untimestamped
        untimestamped = 0
        while stored > 0, ring[head] <= end.nanoseconds {
            head = (head + 1) % ring.count
            stored -= 1
            counts += 1
        }
        windowStart = end
        return (counts, (end - start).secondsDouble)
    }
}

extension GeigerCounter: EdgeEventDevice {}
