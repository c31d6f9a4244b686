#if canImport(Glibc)
    import Glibc
#endif
import Systems

/// Why a link could not be started.
public enum LinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Creating, binding or connecting the UDP socket failed.
    case socket(SocketError)
    /// `pthread_create` failed with this error number.
    case threadCreation(errno: Int32)
    /// `start` was called on a link that is already running.
    case alreadyRunning

    /// The link thread (a Systems ``DedicatedThread``) could not be started.
    init(_ error: ThreadStartError) {
        self = .threadCreation(errno: error.errno)
    }

    public var description: String {
        switch self {
        case .socket(let error): error.description
        case .threadCreation(let code): "pthread_create: \(String(cString: strerror(code)))"
        case .alreadyRunning: "link already running"
        }
    }
}
