#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import HAL
import Systems

/// A failed socket operation, with the `errno` the kernel gave.
public enum SocketError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `socket(2)` failed.
    case create(errno: Int32)
    /// `bind(2)` failed (EADDRINUSE, EADDRNOTAVAIL, EACCES…).
    case bind(SocketAddress, errno: Int32)
    /// `connect(2)` failed.
    case connect(SocketAddress, errno: Int32)
    /// `send(2)`/`sendto(2)` failed; ECONNREFUSED on a connected socket means the last datagram
    /// drew an ICMP port-unreachable (nobody listens).
    case send(errno: Int32)
    /// The kernel took fewer octets than the datagram has (does not happen for UDP on Linux).
    case partialSend(sent: Int, expected: Int)
    /// `recvfrom(2)` failed.
    case receive(errno: Int32)
    /// `poll(2)` failed.
    case poll(errno: Int32)
    /// `getsockname(2)` failed or returned a family this type does not know.
    case localAddress(errno: Int32)
    /// The endpoint's family differs from the socket's.
    case familyMismatch(SocketAddress)
    /// A host given as text could not be parsed.
    case invalidAddress(SocketAddressError)
    /// The socket has been closed.
    case closed

    /// The `errno` of the failed call, if there was one.
    public var errno: Int32? {
        switch self {
        case .create(let code), .bind(_, let code), .connect(_, let code), .send(let code),
            .receive(let code), .poll(let code), .localAddress(let code):
            code
        case .partialSend, .familyMismatch, .invalidAddress, .closed: nil
        }
    }

    public var description: String {
        let reason = errno.map { code in String(cString: strerror(code)) } ?? ""
        switch self {
        case .create: return "socket: \(reason)"
        case .bind(let address, _): return "bind \(address): \(reason)"
        case .connect(let address, _): return "connect \(address): \(reason)"
        case .send: return "send: \(reason)"
        case .partialSend(let sent, let expected): return "send: \(sent) of \(expected) octets"
        case .receive: return "receive: \(reason)"
        case .poll: return "poll: \(reason)"
        case .localAddress: return "getsockname: \(reason)"
        case .familyMismatch(let address): return "address \(address) is not of the socket's family"
        case .invalidAddress(let error): return error.description
        case .closed: return "socket closed"
        }
    }
}

/// One datagram taken by ``UDPSocket/receive(into:timeout:)``.
public struct ReceivedDatagram: Sendable, Hashable {
    /// Octets written to the buffer.
    public var count: Int
    /// The datagram's length on the wire; larger than ``count`` when the buffer was too small
    /// and the rest was discarded by the kernel.
    public var originalLength: Int
    /// Who sent it.
    public var sender: SocketAddress?

    /// Whether the datagram did not fit the buffer.
    public var isTruncated: Bool { originalLength > count }
}

/// A UDP socket over the Glibc calls: bind, connect, send, and receive with a timeout.
///
/// The descriptor is closed exactly once, by ``close()`` or at deinit. Calls interrupted by a
/// signal (EINTR) are retried; a receive timeout is measured on CLOCK_MONOTONIC across retries.
///
/// - Warning: one thread may receive while another sends; but close the socket only after the
///   threads using it have stopped (a descriptor closed under a blocked call may be reused).
public final class UDPSocket: @unchecked Sendable {
    public let family: SocketAddress.Family
    private let descriptor: Int32
    private let isClosed = LockedValue(false)

    /// Creates an unbound socket of `family` (close-on-exec).
    /// - Throws: ``SocketError/create(errno:)``.
    public init(family: SocketAddress.Family) throws(SocketError) {
        self.family = family
        #if os(Linux)
            let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
            let type = SOCK_DGRAM
        #endif
        let fd = socket(family == .ipv4 ? AF_INET : AF_INET6, type, 0)
        guard fd >= 0 else { throw .create(errno: currentErrno()) }
        descriptor = fd
    }

    /// Creates a socket bound to `address` (port 0: the kernel picks one, see ``localAddress()``).
    /// - Throws: ``SocketError/create(errno:)`` or ``SocketError/bind(_:errno:)``.
    public convenience init(boundTo address: SocketAddress) throws(SocketError) {
        try self.init(family: address.family)
        try bind(to: address)
    }

    deinit { close() }

    /// Binds to a local endpoint.
    /// - Throws: ``SocketError/bind(_:errno:)``, ``SocketError/familyMismatch(_:)``, ``SocketError/closed``.
    public func bind(to address: SocketAddress) throws(SocketError) {
        guard address.family == family else { throw .familyMismatch(address) }
        try checkOpen()
        let result = address.withSockaddr { pointer, length in posixBind(descriptor, pointer, length) }
        guard result == 0 else { throw .bind(address, errno: currentErrno()) }
    }

    /// Binds to a host literal (`127.0.0.1`, `::1`, `localhost`) and a port.
    /// - Throws: ``SocketError/invalidAddress(_:)`` or the errors of ``bind(to:)``.
    public func bind(host: String, port: UInt16) throws(SocketError) {
        let address: SocketAddress
        do { address = try SocketAddress(host: host, port: port) } catch { throw .invalidAddress(error) }
        try bind(to: address)
    }

    /// Fixes the peer: ``send(_:)`` goes there, and ICMP errors for it (ECONNREFUSED) are
    /// reported by later sends instead of being lost.
    /// - Throws: ``SocketError/connect(_:errno:)``, ``SocketError/familyMismatch(_:)``, ``SocketError/closed``.
    public func connect(to address: SocketAddress) throws(SocketError) {
        guard address.family == family else { throw .familyMismatch(address) }
        try checkOpen()
        let result = address.withSockaddr { pointer, length in posixConnect(descriptor, pointer, length) }
        guard result == 0 else { throw .connect(address, errno: currentErrno()) }
    }

    /// Sends one datagram to the connected peer.
    /// - Throws: ``SocketError/send(errno:)`` (e.g. ECONNREFUSED when nobody listens),
    ///   ``SocketError/partialSend(sent:expected:)``, ``SocketError/closed``.
    public func send(_ bytes: [UInt8]) throws(SocketError) {
        try checkOpen()
        let sent = retryingInterrupts {
            bytes.withUnsafeBytes { posixSend(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        try checkSent(sent, expected: bytes.count)
    }

    /// Sends one datagram to `address`.
    /// - Throws: as ``send(_:)``, and ``SocketError/familyMismatch(_:)``.
    public func send(_ bytes: [UInt8], to address: SocketAddress) throws(SocketError) {
        guard address.family == family else { throw .familyMismatch(address) }
        try checkOpen()
        let sent = address.withSockaddr { pointer, length in
            retryingInterrupts {
                bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), pointer, length) }
            }
        }
        try checkSent(sent, expected: bytes.count)
    }

    /// Waits up to `timeout` for one datagram and copies it into `buffer` (whose size is the
    /// largest datagram taken whole).
    ///
    /// - Parameter timeout: `nil` waits indefinitely; zero polls.
    /// - Returns: the datagram, or `nil` when none arrived in time.
    /// - Throws: ``SocketError/poll(errno:)``, ``SocketError/receive(errno:)``, ``SocketError/closed``.
    public func receive(into buffer: inout [UInt8], timeout: Duration?) throws(SocketError) -> ReceivedDatagram? {
        try checkOpen()
        guard try waitReadable(timeout: timeout) else { return nil }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let flags = Int32(MSG_TRUNC) | Int32(MSG_DONTWAIT)
        let received = retryingInterrupts {
            buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &storage) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, raw.baseAddress, raw.count, flags, $0, &length) }
                }
            }
        }
        if received < 0 {
            let code = currentErrno()
            if code == EAGAIN || code == EWOULDBLOCK { return nil } // readiness vanished
            throw .receive(errno: code)
        }
        return ReceivedDatagram(count: min(received, buffer.count), originalLength: received, sender: SocketAddress(storage: storage))
    }

    /// The endpoint the socket is bound to (the kernel's choice after binding to port 0).
    /// - Throws: ``SocketError/localAddress(errno:)`` or ``SocketError/closed``.
    public func localAddress() throws(SocketError) -> SocketAddress {
        try checkOpen()
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw .localAddress(errno: currentErrno()) }
        guard let address = SocketAddress(storage: storage) else { throw .localAddress(errno: EAFNOSUPPORT) }
        return address
    }

    /// Closes the descriptor; later calls throw ``SocketError/closed``. Idempotent.
    public func close() {
        let wasOpen = isClosed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        if wasOpen { posixClose(descriptor) }
    }

    // MARK: internals

    private func checkOpen() throws(SocketError) {
        if isClosed.current { throw .closed }
    }

    private func checkSent(_ sent: Int, expected: Int) throws(SocketError) {
        if sent < 0 { throw .send(errno: currentErrno()) }
        if sent != expected { throw .partialSend(sent: sent, expected: expected) }
    }

    /// Polls for readability; EINTR restarts the wait with the time that is left.
    private func waitReadable(timeout: Duration?) throws(SocketError) -> Bool {
        let deadline = timeout.map { monotonicNow().advanced(by: $0) }
        while true {
            var milliseconds: Int32 = -1
            if let deadline {
                let left = deadline.duration(since: monotonicNow()).nanoseconds
                milliseconds = left <= 0 ? 0 : Int32(clamping: (left + 999_999) / 1_000_000)
            }
            var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptorSet, 1, milliseconds)
            if ready > 0 { return true }
            if ready == 0 {
                if let deadline, monotonicNow() < deadline { continue } // woke a little early
                return false
            }
            let code = currentErrno()
            guard code == EINTR else { throw .poll(errno: code) }
        }
    }

    /// Systems' EINTR retry in the shape the callers check: the result, or -1 with `errno` set.
    private func retryingInterrupts(_ call: () -> Int) -> Int {
        do throws(SystemCallError) { return try retryingOnInterrupt("socket", .setsErrno, call) } catch {
            errno = error.errno
            return -1
        }
    }
}

/// CLOCK_MONOTONIC as a HAL instant (for the socket's own timeouts only).
func monotonicNow() -> MonotonicInstant { MonotonicInstant(nanoseconds: MonotonicTime.nanoseconds) }

// The libc calls whose names the socket's own methods shadow.
private func currentErrno() -> Int32 { errno }
private func posixBind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { bind(fd, address, length) }
private func posixConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { connect(fd, address, length) }
private func posixSend(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int { send(fd, bytes, count, flags) }
private func posixClose(_ fd: Int32) { _ = close(fd) }
