#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a link could not be started.
public enum LinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Creating, binding or connecting the UDP socket failed.
    case socket(SocketError)
    /// `pthread_create` failed with this error number.
    case threadCreation(errno: Int32)
    /// `start` was called on a link that is already running.
    case alreadyRunning

    public var description: String {
        switch self {
        case .socket(let error): error.description
        case .threadCreation(let code): "pthread_create: \(String(cString: strerror(code)))"
        case .alreadyRunning: "link already running"
        }
    }
}

/// A dedicated pthread running one closure (the link's I/O loops stay off Swift's cooperative
/// pool, which has only as many threads as cores).
final class LinkThread: @unchecked Sendable {
    private let thread: pthread_t

    private final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name` (at most 15 characters are kept).
    /// - Throws: ``LinkError/threadCreation(errno:)``.
    init(name: String, body: @escaping @Sendable () -> Void) throws(LinkError) {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        #if os(Linux)
        var handle = pthread_t()
        #else
        var handle: pthread_t?
        #endif
        let result = pthread_create(&handle, nil, linkThreadEntry, start)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            throw .threadCreation(errno: result)
        }
        #if os(Linux)
        thread = handle
        #else
        guard let handle else { throw .threadCreation(errno: EAGAIN) }
        thread = handle
        #endif
    }

    /// Waits for the body to return. Call once.
    func join() {
        _ = pthread_join(thread, nil)
    }

    fileprivate static func run(_ argument: UnsafeMutableRawPointer) {
        let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
        nameCurrentThread(start.name)
        start.body()
    }
}

/// Names the calling thread for `top -H`, `ps -L` and debuggers (pthread_setname_np is not
/// exported by the Glibc module; /proc/thread-self/comm is the same thing).
private func nameCurrentThread(_ name: String) {
    #if os(Linux)
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    _ = close(fd)
    #else
    _ = pthread_setname_np(String(name.prefix(15)))
    #endif
}

#if os(Linux)
private func linkThreadEntry(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    if let argument { LinkThread.run(argument) }
    return nil
}
#else
private func linkThreadEntry(_ argument: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
    LinkThread.run(argument)
    return nil
}
#endif
