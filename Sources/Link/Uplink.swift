#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import HAL
import FrameSecurity
import SpaceLink
import Systems

/// The TC uplink: a receiver thread on a bound UDP socket, one TC transfer frame per
/// datagram, through an ``UplinkReceiver`` (frame validation, FARM-1 per VC), packets handed
/// to the daemon's handler, and the CLCWs published to a ``CLCWReport`` after each frame.
///
/// Every datagram that is not delivered is counted under its reason in ``statistics`` and
/// dropped; nothing a sender does stops the receiver.
///
/// Flow control: before each frame the uplink asks `bufferAvailable`; when it says no, FARM-1
/// discards the type-AD frame and enters Wait (CLCW Wait flag), where it stays until the
/// daemon calls ``releaseBuffer()`` because its TC queue has room again.
/// - Warning: the running receiver thread holds a reference to this object: call ``stop()`` to end
///   it (and on shutdown); the object is not freed while the thread runs.
public final class Uplink: @unchecked Sendable {
    public let configuration: UplinkConfiguration

    private let receiver: LockedValue<UplinkReceiver>
    private let clcwReport: CLCWReport?
    private let bufferAvailable: @Sendable () -> Bool
    private let handler: @Sendable (UplinkPacket) -> Void
    private let contact: ContactMonitor?
    private let control = LockedValue(Control())

    private struct Control {
        /// The sender/receiver thread, its socket and its own stop flag, while running.
        var running: Running?
    }

    private struct Running {
        var thread: DedicatedThread
        var socket: UDPSocket
        var stop: LockedValue<Bool>
        var localAddress: SocketAddress
    }

    /// - Parameters:
    ///   - clcw: where the FARMs' CLCWs are published for the downlink's OCF.
    ///   - bufferAvailable: whether the TC queue can take another frame's packets (asked once
    ///     per frame, on the receiver thread, outside the uplink's lock).
    ///   - contact: whether a ground station hears the vehicle (`nil`: always). Out of contact every
    ///     datagram is discarded unread (``UplinkDisposition/outOfContact``), counted in
    ///     ``ContactStatistics/uplinkDiscarded``; this thread only reads the monitor's state.
    ///   - security: SDLS on the virtual channels it protects (`nil`: every VC plain).
    ///   - handler: called on the receiver thread with each packet of an accepted frame, in
    ///     order; it should validate and queue, not execute. Must not block for long.
    public init(
        configuration: UplinkConfiguration, clcw: CLCWReport? = nil, contact: ContactMonitor? = nil, security: UplinkSecurity? = nil,
        bufferAvailable: @escaping @Sendable () -> Bool = { true }, handler: @escaping @Sendable (UplinkPacket) -> Void
    ) {
        self.configuration = configuration
        self.contact = contact
        let receiver = UplinkReceiver(configuration: configuration, security: security)
        self.receiver = LockedValue(receiver)
        clcwReport = clcw
        self.bufferAvailable = bufferAvailable
        self.handler = handler
        for word in receiver.clcws { clcw?.update(word) }
    }

    deinit { stop() }

    /// A snapshot of the counters.
    public var statistics: UplinkStatistics { receiver.withLock { $0.statistics } }

    /// The FARM-1 state of `virtualChannel` (`nil` for a VC not accepted).
    public func farmState(virtualChannel: UInt8) -> FARMState? {
        receiver.withLock { $0.farm(virtualChannel: virtualChannel)?.state }
    }

    /// The current CLCW of each TC virtual channel.
    public var clcws: [CLCW] { receiver.withLock { $0.clcws } }

    /// The endpoint the socket is bound to while running (with the kernel's port after binding
    /// to port 0).
    public var localAddress: SocketAddress? { control.withLock { $0.running?.localAddress } }

    /// Whether the receiver thread is running.
    public var isRunning: Bool { control.withLock { $0.running != nil } }

    /// The TC queue has room again: FARM-1 buffer release (E10) on every VC, leaving Wait.
    /// Harmless when not in Wait, so the daemon may call it whenever it dequeues a TC.
    public func releaseBuffer() {
        let words = receiver.withLock { $0.releaseBuffer() }
        if let clcwReport { for word in words { clcwReport.update(word) } }
    }

    /// Processes one datagram synchronously, exactly as the receiver thread does (the handler
    /// is called on the calling thread). For tests and simulation.
    @discardableResult
    public func receive(datagram: ArraySlice<UInt8>) -> UplinkDisposition {
        if let contact, !contact.isInContact {
            // The simulated radio hears nothing out of contact: not a frame, not a FARM event.
            contact.countUplinkDiscarded()
            return .outOfContact
        }
        let available = bufferAvailable()
        let result = receiver.withLock { $0.receive(datagram, bufferAvailable: available) }
        if let clcw = result.clcw { clcwReport?.update(clcw) }
        for packet in result.packets { handler(packet) }
        return result.disposition
    }

    /// Binds a UDP socket to `address` (port 0: any free port, see ``localAddress``) and starts
    /// the receiver thread.
    /// - Throws: ``LinkError/socket(_:)``, ``LinkError/threadCreation(errno:)``,
    ///   ``LinkError/alreadyRunning``.
    public func start(listeningOn address: SocketAddress) throws(LinkError) {
        try control.withLock { (control: inout Control) throws(LinkError) in
            guard control.running == nil else { throw .alreadyRunning }
            let socket: UDPSocket
            let bound: SocketAddress
            do throws(SocketError) {
                socket = try UDPSocket(boundTo: address)
                bound = try socket.localAddress()
            } catch {
                throw .socket(error)
            }
            let stop = LockedValue(false)
            do throws(ThreadStartError) {
                let thread = try DedicatedThread(name: .uplink) { [self] in self.run(socket: socket, stop: stop) }
                control.running = Running(thread: thread, socket: socket, stop: stop, localAddress: bound)
            } catch {
                socket.close()
                throw LinkError(error)
            }
        }
    }

    /// Stops the receiver thread (within one poll interval) and closes its socket. Idempotent.
    public func stop() {
        let running = control.withLock { control -> Running? in
            defer { control.running = nil }
            return control.running
        }
        guard let running else { return }
        running.stop.withLock { $0 = true }
        running.thread.join()
        running.socket.close()
    }

    // MARK: receiver thread

    private func run(socket: UDPSocket, stop: LockedValue<Bool>) {
        // One octet more than the largest frame, so an oversize datagram is recognised.
        var buffer = [UInt8](repeating: 0, count: configuration.frame.maximumFrameLength + 1)
        while !stop.current {
            let datagram: ReceivedDatagram?
            do {
                datagram = try socket.receive(into: &buffer, timeout: configuration.pollInterval)
            } catch {
                receiver.withLock { $0.countReceiveError(error) }
                pause()
                continue
            }
            guard let datagram else { continue }
            if datagram.isTruncated || datagram.count > configuration.frame.maximumFrameLength {
                _ = receiver.withLock { $0.countOversize(datagram.originalLength) }
                continue
            }
            receive(datagram: buffer[0..<datagram.count])
        }
    }

    /// A short back-off after a receive error, so a persistent error cannot spin the CPU.
    private func pause() {
        MonotonicTime.sleep(for: .milliseconds(10))
    }
}
