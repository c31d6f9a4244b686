/// How a line is found on its chip.
public enum GPIOLineID: Hashable, Sendable, CustomStringConvertible {
    /// The line's offset on the chip.
    case offset(UInt32)
    /// The line's name (from the device tree or gpio-sim), resolved when the line is requested.
    case name(String)

    public var description: String {
        switch self {
        case .offset(let offset): return "line \(offset)"
        case .name(let name): return "line \"\(name)\""
        }
    }
}

/// Pull resistor setting of a line.
public enum GPIOBias: String, Sendable, CaseIterable {
    case asIs = "as-is"
    case disabled
    case pullUp = "pull-up"
    case pullDown = "pull-down"
}

/// Which edges an edge-event line reports.
public enum GPIOEdge: String, Sendable, CaseIterable {
    case rising
    case falling
    case both
}

/// Electrical options of a requested line.
public struct GPIOLineOptions: Sendable, Equatable {
    public var bias: GPIOBias
    /// When `true`, logical `true` is the low electrical level.
    public var activeLow: Bool

    public init(bias: GPIOBias = .asIs, activeLow: Bool = false) {
        self.bias = bias
        self.activeLow = activeLow
    }
}

/// One edge seen by the kernel.
public struct GPIOEdgeEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case rising
        case falling
    }

    public var kind: Kind
    /// The kernel's timestamp of the edge, nanoseconds on CLOCK_MONOTONIC (or the simulated clock).
    public var timestampNanoseconds: UInt64
    /// The offset of the line on its chip.
    public var lineOffset: UInt32
    /// The kernel's sequence number of this event on its line (libgpiod v2 `line_seqno`, from 1):
    /// a gap means the kernel's event buffer overflowed and events were lost. `nil` where the
    /// API has none (libgpiod v1).
    public var lineSequence: UInt64?
    /// The kernel's sequence number of this event among all lines of its request (v2 `global_seqno`).
    public var globalSequence: UInt64?

    public init(kind: Kind, timestampNanoseconds: UInt64, lineOffset: UInt32, lineSequence: UInt64? = nil, globalSequence: UInt64? = nil) {
        self.kind = kind
        self.timestampNanoseconds = timestampNanoseconds
        self.lineOffset = lineOffset
        self.lineSequence = lineSequence
        self.globalSequence = globalSequence
    }
}

/// A GPIO failure with the call that failed and, for real chips, the errno.
public struct GPIOError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The chip device could not be opened.
        case chipUnavailable
        /// No line with that offset or name.
        case lineNotFound
        /// The line is already requested by another consumer.
        case busy
        /// The request or the value was refused by the kernel (EINVAL, EPERM, …).
        case requestFailed
        /// Reading or writing the value failed.
        case io
        /// Waiting for edge events failed.
        case eventWait
        /// The line was released.
        case released
    }

    public var kind: Kind
    public var chip: String
    public var line: GPIOLineID?
    public var operation: String
    public var errno: Int32?

    public init(_ kind: Kind, chip: String, line: GPIOLineID?, operation: String, errno: Int32? = nil) {
        self.kind = kind
        self.chip = chip
        self.line = line
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        var text = "GPIO \(kind) on \(chip)"
        if let line { text += " \(line)" }
        text += " (\(operation)"
        if let errno { text += ", errno \(errno)" }
        return text + ")"
    }
}

/// A line driven by us. Values are logical (after active-low).
public protocol GPIOOutputLine: AnyObject {
    /// Drives the line.
    func set(_ value: Bool) throws(GPIOError)
    /// Reads the line's value back from the chip.
    func get() throws(GPIOError) -> Bool
    /// Gives the line back to the kernel. Idempotent.
    func release()
}

/// A line we only read. Values are logical (after active-low).
public protocol GPIOInputLine: AnyObject {
    func get() throws(GPIOError) -> Bool
    func release()
}

/// A line that reports edges with the kernel's timestamps.
///
/// - Warning: ``waitForEvents(timeout:)`` blocks; call it from a dedicated thread, never from a
///   rate group.
public protocol GPIOEdgeEventLine: AnyObject {
    /// Waits up to `timeout` for edges and returns those available (empty on timeout).
    func waitForEvents(timeout: Duration) throws(GPIOError) -> [GPIOEdgeEvent]
    func release()
}

/// A GPIO chip (`/dev/gpiochipN`, or a simulated one).
public protocol GPIOChip: AnyObject {
    /// A short name for messages, such as `gpiochip0`.
    var name: String { get }

    /// Requests `line` as an output set to `initialValue`.
    func requestOutput(_ line: GPIOLineID, initialValue: Bool, options: GPIOLineOptions) throws(GPIOError) -> any GPIOOutputLine
    /// Requests `line` as an input.
    func requestInput(_ line: GPIOLineID, options: GPIOLineOptions) throws(GPIOError) -> any GPIOInputLine
    /// Requests `line` as an input reporting `edge` events.
    func requestEdgeEvents(_ line: GPIOLineID, edge: GPIOEdge, options: GPIOLineOptions) throws(GPIOError) -> any GPIOEdgeEventLine
}
