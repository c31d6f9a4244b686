#if canImport(Glibc)
    import Glibc
#endif
import HAL

/// The GPIO character-device operations whose errno ``HAL/GPIOError/Kind/init(linuxErrno:during:)`` maps.
public enum LinuxGPIOOperation: String, Sendable, CaseIterable {
    case openChip = "open chip"
    case findLine = "find line"
    case request
    case get
    case set
    case waitForEvents = "read edge events"
}

extension GPIOError.Kind {
    /// The kind of an errno from the GPIO character device (through libgpiod) during `operation`.
    ///
    /// | operation         | errno                         | kind               |
    /// |-------------------|-------------------------------|--------------------|
    /// | `openChip`        | any                           | `.chipUnavailable` |
    /// | any other         | `ENODEV`, `ENXIO`             | `.chipUnavailable` (the chip went away) |
    /// | `findLine`        | `ENOENT`                      | `.lineNotFound`    |
    /// | `findLine`        | other                         | `.io`              |
    /// | `request`         | `EBUSY`                       | `.busy`            |
    /// | `request`         | `ENOENT`                      | `.lineNotFound`    |
    /// | `request`         | other (`EINVAL`, `EPERM`, …)  | `.requestFailed`   |
    /// | `get`, `set`      | `EPERM`, `EINVAL`             | `.requestFailed` (not allowed in this direction) |
    /// | `get`, `set`      | other                         | `.io`              |
    /// | `waitForEvents`   | other                         | `.eventWait`       |
    public init(linuxErrno code: Int32, during operation: LinuxGPIOOperation) {
        if operation == .openChip {
            self = .chipUnavailable
            return
        }
        if code == ENODEV || code == ENXIO {
            self = .chipUnavailable
            return
        }
        switch operation {
        case .openChip: self = .chipUnavailable
        case .findLine: self = code == ENOENT ? .lineNotFound : .io
        case .request:
            switch code {
            case EBUSY: self = .busy
            case ENOENT: self = .lineNotFound
            default: self = .requestFailed
            }
        case .get, .set: self = (code == EPERM || code == EINVAL) ? .requestFailed : .io
        case .waitForEvents: self = .eventWait
        }
    }
}
