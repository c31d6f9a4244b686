import Foundation
import Testing
@testable import Daemon

/// A datagram socket the test binds, standing in for systemd's notification socket.
private final class NotifyListener {
    let fd: Int32
    let notifySocket: String
    private let cleanupPath: String?

    /// Binds `notifySocket`: an absolute path, or `@name` for the abstract namespace.
    init(notifySocket: String) throws {
        self.notifySocket = notifySocket
        cleanupPath = notifySocket.hasPrefix("/") ? notifySocket : nil
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let destination: SystemdNotifier.Destination =
            notifySocket.hasPrefix("@")
            ? .abstract(String(notifySocket.dropFirst())) : .path(notifySocket)
        guard var address = SystemdNotifier.address(for: destination) else { throw POSIXError(.ENAMETOOLONG) }
        let status = withUnsafePointer(to: &address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(fd)
        if let cleanupPath { unlink(cleanupPath) }
    }

    /// The next datagram as text, or nil after two seconds.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

private func uniqueName() -> String {
    "iost-notify-\(getpid())-\(UInt32.random(in: 0 ... .max))"
}

@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    @Test("READY, STATUS, WATCHDOG and STOPPING reach a socket bound at a path")
    func pathSocket() throws {
        let listener = try NotifyListener(notifySocket: NSTemporaryDirectory() + uniqueName() + ".sock")
        let notifier = SystemdNotifier(notifySocket: listener.notifySocket)
        #expect(notifier.isEnabled)
        #expect(notifier.destination == .path(listener.notifySocket))

        #expect(notifier.ready() == .sent)
        #expect(listener.receive() == "READY=1")
        #expect(notifier.status("mode=nominal link=up") == .sent)
        #expect(listener.receive() == "STATUS=mode=nominal link=up")
        #expect(notifier.watchdog() == .sent)
        #expect(listener.receive() == "WATCHDOG=1")
        #expect(notifier.stopping() == .sent)
        #expect(listener.receive() == "STOPPING=1")
        #expect(notifier.statistics.sent == 4)
        #expect(notifier.statistics.failed == 0)
    }

    @Test("An '@' name is an abstract socket; status lines ride in the same datagram")
    func abstractSocket() throws {
        let listener = try NotifyListener(notifySocket: "@" + uniqueName())
        let notifier = SystemdNotifier(notifySocket: listener.notifySocket)
        #expect(notifier.destination == .abstract(String(listener.notifySocket.dropFirst())))

        notifier.ready(status: "mode=safe link=down")
        #expect(listener.receive() == "READY=1\nSTATUS=mode=safe link=down")
        notifier.watchdog()
        #expect(listener.receive() == "WATCHDOG=1")
        notifier.status(mode: "safe", link: "down")
        #expect(listener.receive() == "STATUS=mode=safe link=down")
        notifier.status("two\nlines")
        #expect(listener.receive() == "STATUS=two lines")
        notifier.extendTimeout(by: .seconds(7))
        #expect(listener.receive() == "EXTEND_TIMEOUT_USEC=7000000")
        notifier.stopping(status: "shutting down: SIGTERM")
        #expect(listener.receive() == "STOPPING=1\nSTATUS=shutting down: SIGTERM")
    }

    @Test("Without NOTIFY_SOCKET every call is a no-op that says so")
    func unset() {
        for value in [nil, ""] as [String?] {
            let notifier = SystemdNotifier(notifySocket: value)
            #expect(!notifier.isEnabled)
            #expect(notifier.disabledReason?.contains("NOTIFY_SOCKET unset") == true)
            #expect(notifier.ready() == .disabled)
            #expect(notifier.watchdog() == .disabled)
            #expect(notifier.statistics == SystemdNotifier.Statistics())
        }
    }

    @Test("A NOTIFY_SOCKET that is neither a path nor '@name', or too long, turns notifications off")
    func unusable() {
        let relative = SystemdNotifier(notifySocket: "run/notify")
        #expect(!relative.isEnabled)
        #expect(relative.ready() == .disabled)
        let tooLong = SystemdNotifier(notifySocket: "/" + String(repeating: "x", count: 120))
        #expect(!tooLong.isEnabled)
        #expect(tooLong.disabledReason?.contains("sun_path") == true)
    }

    @Test("A send to nobody fails, is counted, and is not fatal")
    func failureCounted() {
        let notifier = SystemdNotifier(notifySocket: NSTemporaryDirectory() + uniqueName() + ".absent")
        #expect(notifier.isEnabled)
        guard case .failed(let error) = notifier.watchdog() else {
            Issue.record("a send to a missing socket should fail")
            return
        }
        #expect(error.errno == ENOENT)
        notifier.watchdog()
        #expect(notifier.statistics.failed == 2)
        #expect(notifier.statistics.sent == 0)
        #expect(notifier.statistics.lastError?.errno == ENOENT)
    }

    @Test("sockaddr_un lengths: a path counts its NUL, an abstract name does not")
    func addressLengths() throws {
        // sun_family is 2 bytes on Linux; "/run/x" is 6 bytes + NUL; "@ab" is NUL + 2 bytes.
        let path = try #require(SystemdNotifier.address(for: .path("/run/x")))
        #expect(path.length == 2 + 7)
        let abstract = try #require(SystemdNotifier.address(for: .abstract("ab")))
        #expect(abstract.length == 2 + 3)
        #expect(SystemdNotifier.address(for: .path("/" + String(repeating: "p", count: 106))) != nil) // 108 with NUL
        #expect(SystemdNotifier.address(for: .path("/" + String(repeating: "p", count: 107))) == nil)
    }
}
