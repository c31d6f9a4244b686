#if canImport(Glibc)
    import Glibc
#endif
import HAL
import Systems

/// Service-state notifications to systemd, without libsystemd.
///
/// The protocol of `sd_notify(3)`: the service manager passes the address of a datagram socket in
/// `NOTIFY_SOCKET` — a file-system path (`/run/systemd/notify`), or an abstract-namespace name
/// when it starts with `@` — and the service sends it newline-separated `VARIABLE=value`
/// assignments, one `AF_UNIX` `SOCK_DGRAM` datagram per message. systemd identifies the sender
/// from the kernel-attached credentials, which is why the unit says `NotifyAccess=main`: only
/// the main process may notify.
///
/// When `NOTIFY_SOCKET` is unset (a run from a shell, a test), every call is a no-op that returns
/// ``Outcome/disabled``. A failed send is counted and returned, never fatal: supervision must not
/// take the flight software down. Sends never block (`MSG_DONTWAIT`), so a watchdog ping from a
/// rate group cannot stall it.
///
/// Thread-safe: one socket, one `sendto` per message.
public final class SystemdNotifier: @unchecked Sendable {
    /// Where notifications go.
    public enum Destination: Equatable, Sendable, CustomStringConvertible {
        /// A socket bound in the file system.
        case path(String)
        /// A socket in the abstract namespace; the name without the leading `@`.
        case abstract(String)

        public var description: String {
            switch self {
            case .path(let path): path
            case .abstract(let name): "@" + name
            }
        }
    }

    /// What became of one notification.
    public enum Outcome: Equatable, Sendable {
        /// The datagram was handed to the kernel.
        case sent
        /// Notifications are off: `NOTIFY_SOCKET` was unset or unusable (see ``disabledReason``).
        case disabled
        /// The send failed; counted in ``Statistics/failed``.
        case failed(SystemCallError)
    }

    /// Counters since the notifier was made.
    public struct Statistics: Equatable, Sendable {
        /// Datagrams handed to the kernel.
        public var sent: UInt64 = 0
        /// Sends that failed.
        public var failed: UInt64 = 0
        /// The most recent failure.
        public var lastError: SystemCallError?
    }

    /// Where notifications go; nil when notifications are off.
    public let destination: Destination?
    /// Why notifications are off (nil when they are on), for one line in the log at start.
    public let disabledReason: String?

    private let socketFD: Int32
    private let counters = LockedValue(Statistics())

    /// A notifier for the socket named by a `NOTIFY_SOCKET` value.
    ///
    /// - Parameter notifySocket: the value of `NOTIFY_SOCKET`; nil or empty turns notifications off.
    ///   A value that is neither an absolute path nor `@name`, or too long for `sun_path`, also
    ///   turns them off, with the reason in ``disabledReason``.
    public init(notifySocket: String?) {
        guard let value = notifySocket, !value.isEmpty else {
            (destination, disabledReason, socketFD) = (nil, "NOTIFY_SOCKET unset: not started by systemd with Type=notify", -1)
            return
        }
        let parsed: Destination
        if value.hasPrefix("@") {
            parsed = .abstract(String(value.dropFirst()))
        } else if value.hasPrefix("/") {
            parsed = .path(value)
        } else {
            (destination, disabledReason, socketFD) = (nil, "NOTIFY_SOCKET=\(value): neither a path nor an abstract '@' name", -1)
            return
        }
        guard Self.address(for: parsed) != nil else {
            (destination, disabledReason, socketFD) = (nil, "NOTIFY_SOCKET=\(value): longer than sun_path", -1)
            return
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            let error = SystemCallError(call: "socket(AF_UNIX, SOCK_DGRAM)", errno: errno)
            (destination, disabledReason, socketFD) = (nil, "NOTIFY_SOCKET=\(value): \(error)", -1)
            return
        }
        (destination, disabledReason, socketFD) = (parsed, nil, fd)
    }

    /// A notifier for this process's `NOTIFY_SOCKET`.
    ///
    /// - Parameter unsetEnvironment: remove `NOTIFY_SOCKET` from the environment afterwards, so that
    ///   child processes (test peers, helpers) cannot notify on the daemon's behalf.
    public static func fromEnvironment(unsetEnvironment: Bool = false) -> SystemdNotifier {
        let notifier = SystemdNotifier(notifySocket: ProcessEnvironment.value("NOTIFY_SOCKET"))
        if unsetEnvironment { ProcessEnvironment.remove("NOTIFY_SOCKET") }
        return notifier
    }

    deinit {
        if socketFD >= 0 { close(socketFD) }
    }

    /// Whether notifications are sent at all.
    public var isEnabled: Bool { destination != nil }

    /// The counters so far.
    public var statistics: Statistics { counters.current }

    /// Startup is complete: `READY=1`, optionally with a status line in the same datagram.
    @discardableResult
    public func ready(status: String? = nil) -> Outcome {
        send(status.map { "READY=1\nSTATUS=\(Self.oneLine($0))" } ?? "READY=1")
    }

    /// A free-form status line for `systemctl status` (`STATUS=…`), e.g. `mode=nominal link=up`.
    @discardableResult
    public func status(_ text: String) -> Outcome {
        send("STATUS=" + Self.oneLine(text))
    }

    /// The daemon's state for `systemctl status`: `STATUS=mode=<mode> link=<link>`.
    @discardableResult
    public func status(mode: String, link: String) -> Outcome {
        status("mode=\(mode) link=\(link)")
    }

    /// A keep-alive for the service watchdog (`WATCHDOG=1`); see ``Watchdog``.
    @discardableResult
    public func watchdog() -> Outcome {
        send("WATCHDOG=1")
    }

    /// Shutdown has begun (`STOPPING=1`), optionally with a status line.
    @discardableResult
    public func stopping(status: String? = nil) -> Outcome {
        send(status.map { "STOPPING=1\nSTATUS=\(Self.oneLine($0))" } ?? "STOPPING=1")
    }

    /// Asks for `duration` more time before the start or stop timeout fires (`EXTEND_TIMEOUT_USEC=`).
    ///
    /// For a shutdown sequence that may outlast `TimeoutStopSec`: each call extends the deadline
    /// to `duration` from now.
    @discardableResult
    public func extendTimeout(by duration: Duration) -> Outcome {
        send("EXTEND_TIMEOUT_USEC=\(max(0, duration.nanoseconds / 1000))")
    }

    /// Sends raw assignments (`VARIABLE=value` lines) in one datagram.
    ///
    /// - Returns: ``Outcome/sent``, ``Outcome/disabled``, or the failure (also counted).
    @discardableResult
    public func send(_ assignments: String) -> Outcome {
        guard let destination, socketFD >= 0, var address = Self.address(for: destination) else { return .disabled }
        var message = Array(assignments.utf8)
        let sent = message.withUnsafeMutableBytes { bytes in
            withUnsafePointer(to: &address.storage) { storage in
                storage.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(socketFD, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL), socketAddress, address.length)
                }
            }
        }
        if sent < 0 {
            let error = SystemCallError(call: "sendto(\(destination))", errno: errno)
            counters.withLock {
                $0.failed += 1; $0.lastError = error
            }
            return .failed(error)
        }
        counters.withLock { $0.sent += 1 }
        return .sent
    }

    /// A status text on one line: systemd ends a value at the newline.
    static func oneLine(_ text: String) -> String {
        text.contains("\n" as Character) ? String(text.map { $0 == "\n" ? " " : $0 }) : text
    }

    /// The `sockaddr_un` for a destination and its length; nil when the name does not fit.
    static func address(for destination: Destination) -> (storage: sockaddr_un, length: socklen_t)? {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let bytes: [UInt8]
        let length: Int
        switch destination {
        case .path(let path):
            // A path is NUL-terminated inside sun_path.
            bytes = Array(path.utf8) + [0]
            length = pathOffset + bytes.count
        case .abstract(let name):
            // An abstract name starts with a NUL and is exactly as long as the address says.
            bytes = [0] + Array(name.utf8)
            length = pathOffset + bytes.count
        }
        guard bytes.count <= capacity else { return nil }
        withUnsafeMutableBytes(of: &storage.sun_path) { path in
            for (index, byte) in bytes.enumerated() { path[index] = byte }
        }
        return (storage, socklen_t(length))
    }
}
