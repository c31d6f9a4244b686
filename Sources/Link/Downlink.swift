#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import HAL
import SpaceLink
import Systems

/// The paced TM downlink: a ``DownlinkScheduler`` behind a lock, and a sender thread that
/// emits one TM transfer frame per UDP datagram at the configured bit rate.
///
/// Producers call ``enqueue(_:priority:)`` from any thread; it never blocks on I/O. The sender
/// sleeps on the HAL clock until each frame's absolute deadline, takes the frame under the
/// lock and sends it outside the lock, to every destination.
///
/// Each destination has its own connected socket, so that ICMP errors are reported per
/// destination. On Linux an ICMP port-unreachable (nobody listened when an earlier datagram
/// arrived) is left pending on the socket and makes the *next* send fail with ECONNREFUSED
/// without sending anything; the pending error is consumed by that failure, so the sender sends
/// the same frame again at once (up to two retries). A destination's error therefore never costs
/// a frame for it or for the others: refusals are counted per destination
/// (``DownlinkDestinationStatistics/refused``), and only a frame whose retries failed too is
/// lost and counted (``DownlinkDestinationStatistics/errors``).
///
/// Without ``start(destination:)`` the same policy runs synchronously through
/// ``pump(now:)``, for deterministic tests and simulation.
///
/// - Warning: the sender thread needs a real clock: a `SimClock` advances its time when slept
///   on. In simulation, call ``pump(now:)`` instead. Do not call ``pump(now:)`` while the
///   sender thread runs.
/// - Warning: the running sender thread holds a reference to this object: call ``stop()`` to end
///   it (and on shutdown); the object is not freed while the thread runs.
public final class Downlink: @unchecked Sendable {
    public let configuration: DownlinkConfiguration
    /// The frame rate.
    public let pacing: FramePacing

    private let clock: any MonotonicClock
    private let scheduler: LockedValue<DownlinkScheduler>
    private let control = LockedValue(Control())
    /// Longest single sleep, so ``stop()`` is noticed promptly even at low bit rates.
    private let stopCheckInterval: Duration = .milliseconds(50)

    private struct Control {
        /// The sender/receiver thread, its socket and its own stop flag, while running.
        var running: Running?
    }

    private struct Running {
        var thread: DedicatedThread
        var sockets: [UDPSocket]
        var stop: LockedValue<Bool>
    }

    /// Contact gating and the frame-count reservation (``DownlinkPasses``).
    private let passes: DownlinkPasses

    /// - Parameters:
    ///   - clock: the HAL clock deadlines are measured on.
    ///   - clcw: the uplink's CLCWs, put in the OCF of every frame (one per frame, in turn).
    ///   - contact: whether a ground station hears the vehicle (`nil`: always). Out of contact no
    ///     frame is made or sent, real-time packets are accepted and discarded (counted), playback
    ///     is held; this downlink's thread is the monitor's detecting thread.
    ///   - frameCounts: the counts of the first frames (restored with ``FrameCountFile/load(path:)``).
    ///   - frameCountFile: where the counts are reserved ahead and recorded at ``stop()`` (`nil`:
    ///     not persisted).
    ///   - notice: sees, on the detecting thread, what the assembly reports as events (contact
    ///     transitions, frame-count write failures). Must not block.
    public init(
        configuration: DownlinkConfiguration, clock: any MonotonicClock, clcw: CLCWReport? = nil, contact: ContactMonitor? = nil,
        frameCounts: TMFrameCounts = .zero, frameCountFile: FrameCountFile? = nil, notice: (@Sendable (DownlinkNotice) -> Void)? = nil
    ) {
        self.configuration = configuration
        pacing = configuration.pacing
        self.clock = clock
        scheduler = LockedValue(DownlinkScheduler(configuration: configuration, clcw: clcw, frameCounts: frameCounts))
        passes = DownlinkPasses(contact: contact, frameCountFile: frameCountFile, notice: notice)
    }

    deinit { stop() }

    /// Whether a ground station hears the vehicle (`nil`: always in contact).
    public var contact: ContactMonitor? { passes.contact }

    /// Offers one encoded space packet; never blocks.
    ///
    /// Out of contact a real-time packet (event, housekeeping) is accepted and discarded, counted
    /// in ``ContactStatistics/realTimeDiscarded`` (the packet store keeps it); playback is queued
    /// and held until the next pass.
    /// - Returns: whether it was queued. A refusal (queue full, malformed packet) is counted in
    ///   ``statistics`` under its priority and reason.
    @discardableResult
    public func enqueue(_ packet: [UInt8], priority: DownlinkPriority) -> Bool {
        let contact = passes.contact
        return scheduler.withLock { scheduler in
            if let contact, priority != .playback, !contact.isInContact {
                contact.countRealTimeDiscarded()
                return true
            }
            return scheduler.enqueue(packet, priority: priority)
        }
    }

    /// The frames due by `now` (synchronous use; see ``DownlinkScheduler/pump(now:)``): none out
    /// of contact. Samples the contact source and keeps the frame-count reservation, as the sender
    /// thread does.
    public func pump(now: MonotonicInstant) -> [[UInt8]] {
        guard passes.prepare(now: now, scheduler: scheduler) else { return [] }
        return scheduler.withLock { $0.pump(now: now) }
    }

    /// The counts the next frames will carry.
    public var frameCounts: TMFrameCounts { scheduler.withLock { $0.frameCounts } }

    /// Writes the exact next counts to the frame-count file (a clean close: a restart continues
    /// without a gap). Called by ``stop()``; call it yourself after synchronous use.
    /// - Throws: ``SystemCallError``.
    public func recordFrameCounts() throws(SystemCallError) {
        try passes.frameCountFile?.write(frameCounts)
    }

    /// Packets `priority`'s queue can take now (producers that keep what is refused use it to
    /// take no more than fits).
    public func room(_ priority: DownlinkPriority) -> Int {
        scheduler.withLock { $0.room(priority) }
    }

    /// Sets the OCF's CLCW (when the downlink was made without a ``CLCWReport``).
    public func setCLCW(_ clcw: CLCW) {
        scheduler.withLock { $0.setCLCW(clcw) }
    }

    /// A snapshot of the counters.
    public var statistics: DownlinkStatistics { scheduler.withLock { $0.statistics } }

    /// Whether nothing is queued, nothing is half framed and no frame is on its way to the socket.
    public var isDrained: Bool {
        scheduler.withLock { $0.isDrained && $0.framesInFlight == 0 }
    }

    /// Whether the sender thread is running.
    public var isRunning: Bool { control.withLock { $0.running != nil } }

    /// Opens a UDP socket connected to `destination` (so that ICMP errors are reported) and
    /// starts the sender thread.
    /// - Throws: ``LinkError/socket(_:)``, ``LinkError/threadCreation(errno:)``,
    ///   ``LinkError/alreadyRunning``.
    public func start(destination: SocketAddress) throws(LinkError) {
        try start(destinations: [destination])
    }

    /// Starts the sender thread sending every frame to each of `destinations` (the live ground
    /// console and a command tool, say), one connected socket each.
    /// - Throws: ``LinkError/socket(_:)``, ``LinkError/threadCreation(errno:)``,
    ///   ``LinkError/alreadyRunning``.
    public func start(destinations: [SocketAddress]) throws(LinkError) {
        try control.withLock { (control: inout Control) throws(LinkError) in
            guard control.running == nil else { throw .alreadyRunning }
            var sockets: [UDPSocket] = []
            do throws(SocketError) {
                for destination in destinations {
                    let socket = try UDPSocket(family: destination.family)
                    sockets.append(socket)
                    try socket.connect(to: destination)
                }
            } catch {
                for socket in sockets { socket.close() }
                throw .socket(error)
            }
            let stop = LockedValue(false)
            let opened = sockets
            do throws(ThreadStartError) {
                let thread = try DedicatedThread(name: .downlink) { [self] in self.run(sockets: opened, stop: stop) }
                control.running = Running(thread: thread, sockets: opened, stop: stop)
            } catch {
                for socket in sockets { socket.close() }
                throw LinkError(error)
            }
        }
    }

    /// Waits until everything queued has been sent (at the link rate), or `timeout` passes.
    /// For shutdown: stop the producers, flush, then ``stop()``.
    /// - Returns: whether the downlink drained. Without a running sender it returns at once.
    public func flush(timeout: Duration) -> Bool {
        let deadline = clock.now.advanced(by: timeout)
        while !isDrained {
            guard isRunning else { return false }
            let now = clock.now
            guard now < deadline else { return false }
            clock.sleep(until: min(deadline, now.advanced(by: .milliseconds(5))))
        }
        return true
    }

    /// Stops the sender thread (within about 50 ms) and closes its socket. Idempotent.
    /// Queued packets stay queued; call ``flush(timeout:)`` first to send them. With a frame-count
    /// file, the exact next counts are written (a failure is reported as a ``DownlinkNotice``).
    public func stop() {
        let running = control.withLock { control -> Running? in
            defer { control.running = nil }
            return control.running
        }
        guard let running else { return }
        running.stop.withLock { $0 = true }
        running.thread.join()
        for socket in running.sockets { socket.close() }
        do {
            try recordFrameCounts()
        } catch {
            passes.notice?(.frameCountWriteFailed(error))
        }
    }

    // MARK: sender thread

    private func run(sockets: [UDPSocket], stop: LockedValue<Bool>) {
        let wakeInterval = passes.contact.map { min($0.pollInterval, stopCheckInterval) } ?? stopCheckInterval
        while !stop.current {
            let now = clock.now
            guard passes.prepare(now: now, scheduler: scheduler) else {
                clock.sleep(until: now.advanced(by: wakeInterval))
                continue
            }
            if let deadline = scheduler.withLock({ $0.nextDeadline }) {
                if now < deadline {
                    clock.sleep(until: min(deadline, now.advanced(by: wakeInterval)))
                    continue
                }
            }
            let frames = scheduler.withLock { scheduler in
                let frames = scheduler.pump(now: clock.now)
                scheduler.framesInFlight = frames.count
                return frames
            }
            if frames.isEmpty { continue }
            var counts = Array(repeating: DownlinkDestinationStatistics(), count: sockets.count)
            for frame in frames {
                for (index, socket) in sockets.enumerated() {
                    Self.send(frame, on: socket, counting: &counts[index])
                }
            }
            scheduler.withLock { $0.recordSend(counts) }
        }
    }

    /// Most sends of one frame to one destination after ECONNREFUSED.
    static let refusalRetries = 2

    /// Sends `frame` on `socket`; a refusal (the pending ICMP error of an earlier datagram) is
    /// retried, so it does not lose this frame.
    static func send(_ frame: [UInt8], on socket: UDPSocket, counting counts: inout DownlinkDestinationStatistics) {
        var attempt = 0
        while true {
            do {
                try socket.send(frame)
                counts.datagramsSent += 1
                return
            } catch {
                counts.lastError = error
                if error.errno == ECONNREFUSED, attempt < refusalRetries {
                    counts.refused += 1
                    attempt += 1
                    continue
                }
                counts.errors += 1
                return
            }
        }
    }
}
