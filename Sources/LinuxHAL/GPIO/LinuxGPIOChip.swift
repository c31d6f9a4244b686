#if canImport(Glibc)
    import Glibc
#endif
import CGPIODCompat
import HAL

/// A GPIO chip through the Linux GPIO character device (`/dev/gpiochipN`), with libgpiod v1 or
/// v2 underneath (``apiVersion``).
///
/// Lines are found by offset or by name (as the device tree or gpio-sim names them) and
/// requested under the consumer name ``consumer`` (`iostd`), which `gpioinfo` shows. Values are
/// logical: active-low is applied by the kernel. Edge timestamps are the kernel's, on
/// `CLOCK_MONOTONIC`, the clock of ``SystemMonotonicClock``.
///
/// Requested lines are independent of the chip object: they stay valid after ``close()``.
/// Requests are serialized by the chip's lock; each line has its own.
public final class LinuxGPIOChip: GPIOChip, @unchecked Sendable {
    /// The consumer name lines are requested under unless told otherwise.
    public static let defaultConsumer = "iostd"

    /// The kernel's name of the chip, such as `gpiochip0`.
    public let name: String
    /// The chip's label, such as `pinctrl-bcm2711` or `gpio-sim.0-node0`.
    public let label: String
    /// The number of lines.
    public let lineCount: UInt32
    /// The consumer name of the lines this chip requests.
    public let consumer: String
    /// The chip handle; `nil` after ``close()``.
    private let handle: LockedValue<OpaquePointer?>

    /// The libgpiod API the project was built against: 1 or 2.
    public static var apiVersion: Int { Int(iost_gpiod_api_version()) }

    /// Opens a chip.
    ///
    /// - Parameters:
    ///   - chip: a device path (`/dev/gpiochip0`) or a chip name (`gpiochip0`, looked up in `/dev`).
    ///   - consumer: the name the kernel records as the holder of requested lines.
    /// - Throws: ``HAL/GPIOError`` `.chipUnavailable` with the errno (`ENOENT` if there is no such
    ///   chip, `EACCES` without permission, `ENODEV`/`ENOTTY` for a file that is not a GPIO chip).
    public init(_ chip: String, consumer: String = LinuxGPIOChip.defaultConsumer) throws(GPIOError) {
        guard let opened = iost_gpiod_chip_open(chip) else {
            let code = errno
            throw GPIOError(GPIOError.Kind(linuxErrno: code, during: .openChip), chip: chip, line: nil, operation: LinuxGPIOOperation.openChip.rawValue, errno: code)
        }
        name = String(cString: iost_gpiod_chip_name(opened))
        label = String(cString: iost_gpiod_chip_label(opened))
        lineCount = iost_gpiod_chip_num_lines(opened)
        self.consumer = consumer
        handle = LockedValue(opened)
    }

    deinit {
        close()
    }

    /// Closes the chip handle. Lines already requested stay valid; later requests fail with
    /// `.chipUnavailable`. Idempotent.
    public func close() {
        handle.withLock { chip in
            if let open = chip {
                iost_gpiod_chip_close(open)
                chip = nil
            }
        }
    }

    /// The offset of `line` on this chip.
    ///
    /// - Throws: ``HAL/GPIOError`` `.lineNotFound` for an offset beyond the chip or a name no line has.
    public func offset(of line: GPIOLineID) throws(GPIOError) -> UInt32 {
        try handle.withLock { (chip) throws(GPIOError) -> UInt32 in
            try resolve(line, on: chip, operation: LinuxGPIOOperation.findLine.rawValue)
        }
    }

    public func requestOutput(_ line: GPIOLineID, initialValue: Bool, options: GPIOLineOptions) throws(GPIOError) -> any GPIOOutputLine {
        try request(line, operation: "request output", events: false) { chip, offset, consumer in
            iost_gpiod_request_output(chip, offset, consumer, options.bias.compat, options.activeLow, initialValue ? 1 : 0)
        }
    }

    public func requestInput(_ line: GPIOLineID, options: GPIOLineOptions) throws(GPIOError) -> any GPIOInputLine {
        try request(line, operation: "request input", events: false) { chip, offset, consumer in
            iost_gpiod_request_input(chip, offset, consumer, options.bias.compat, options.activeLow)
        }
    }

    public func requestEdgeEvents(_ line: GPIOLineID, edge: GPIOEdge, options: GPIOLineOptions) throws(GPIOError) -> any GPIOEdgeEventLine {
        try request(line, operation: "request edge events", events: true) { chip, offset, consumer in
            iost_gpiod_request_edge_events(chip, offset, consumer, options.bias.compat, options.activeLow, edge.compat)
        }
    }

    /// Requests a line and wraps it; `call` runs under the chip lock.
    private func request(
        _ line: GPIOLineID, operation: String, events: Bool,
        _ call: (OpaquePointer, UInt32, UnsafePointer<CChar>) -> OpaquePointer?
    ) throws(GPIOError) -> LinuxGPIOLine {
        try handle.withLock { (chip) throws(GPIOError) -> LinuxGPIOLine in
            let offset = try resolve(line, on: chip, operation: operation)
            guard let chip else { throw GPIOError(.chipUnavailable, chip: name, line: line, operation: operation) }
            let requested = consumer.withCString { call(chip, offset, $0) }
            guard let requested else {
                let code = errno
                throw GPIOError(GPIOError.Kind(linuxErrno: code, during: .request), chip: name, line: line, operation: operation, errno: code)
            }
            return LinuxGPIOLine(handle: requested, chip: name, id: line, offset: offset, events: events)
        }
    }

    /// The offset of `line`; the caller holds the chip lock.
    private func resolve(_ line: GPIOLineID, on chip: OpaquePointer?, operation: String) throws(GPIOError) -> UInt32 {
        guard let chip else { throw GPIOError(.chipUnavailable, chip: name, line: line, operation: operation) }
        switch line {
        case .offset(let offset):
            guard offset < lineCount else { throw GPIOError(.lineNotFound, chip: name, line: line, operation: operation) }
            return offset
        case .name(let wanted):
            let found = wanted.withCString { iost_gpiod_chip_find_line(chip, $0) }
            guard found >= 0 else {
                let code = errno
                throw GPIOError(GPIOError.Kind(linuxErrno: code, during: .findLine), chip: name, line: line, operation: operation, errno: code)
            }
            return UInt32(found)
        }
    }
}

/// A line requested from a ``LinuxGPIOChip``: output, input or edge events.
///
/// Each call holds the line's lock, so ``release()`` waits for a ``waitForEvents(timeout:)`` in
/// progress to return (at most its timeout) before the line is given back.
final class LinuxGPIOLine: GPIOOutputLine, GPIOInputLine, GPIOEdgeEventLine, @unchecked Sendable {
    let chip: String
    let id: GPIOLineID
    let offset: UInt32
    /// The requested line; `nil` once released.
    private let handle: LockedValue<OpaquePointer?>
    /// Where the C layer copies events, allocated once so waits allocate nothing but the result.
    private let buffer: UnsafeMutablePointer<iost_gpiod_event>?
    private static let bufferCapacity = Int(IOST_GPIOD_MAX_EVENTS_PER_WAIT)

    init(handle: OpaquePointer, chip: String, id: GPIOLineID, offset: UInt32, events: Bool) {
        self.handle = LockedValue(handle)
        self.chip = chip
        self.id = id
        self.offset = offset
        if events {
            let buffer = UnsafeMutablePointer<iost_gpiod_event>.allocate(capacity: Self.bufferCapacity)
            buffer.initialize(repeating: iost_gpiod_event(), count: Self.bufferCapacity)
            self.buffer = buffer
        } else {
            buffer = nil
        }
    }

    deinit {
        release()
        buffer?.deallocate()
    }

    func set(_ value: Bool) throws(GPIOError) {
        _ = try withLine(.set) { line in iost_gpiod_line_set(line, value ? 1 : 0) }
    }

    func get() throws(GPIOError) -> Bool {
        try withLine(.get) { line in iost_gpiod_line_get(line) } == 1
    }

    /// Waits up to `timeout` for edges. A signal interrupting the wait ends it early with no
    /// events, which the contract allows.
    func waitForEvents(timeout: Duration) throws(GPIOError) -> [GPIOEdgeEvent] {
        guard let buffer else {
            throw GPIOError(.eventWait, chip: chip, line: id, operation: LinuxGPIOOperation.waitForEvents.rawValue, errno: EPERM)
        }
        let nanoseconds = max(0, timeout.nanoseconds)
        let count = try withLine(.waitForEvents) { line -> Int32 in
            let count = iost_gpiod_line_wait_events(line, nanoseconds, buffer, UInt32(Self.bufferCapacity))
            return count < 0 && errno == EINTR ? 0 : count
        }
        if count == 0 { return [] }
        var events: [GPIOEdgeEvent] = []
        events.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            let raw = buffer[index]
            events.append(
                GPIOEdgeEvent(
                    kind: raw.kind == Int32(IOST_GPIOD_EVENT_RISING.rawValue) ? .rising : .falling,
                    timestampNanoseconds: raw.timestamp_ns,
                    lineOffset: raw.offset,
                    // 0: the API has no sequence numbers (libgpiod v1).
                    lineSequence: raw.line_seqno == 0 ? nil : raw.line_seqno,
                    globalSequence: raw.global_seqno == 0 ? nil : raw.global_seqno
                ))
        }
        return events
    }

    func release() {
        handle.withLock { line in
            if let requested = line {
                iost_gpiod_line_release(requested)
                line = nil
            }
        }
    }

    /// Runs `call` on the live line under its lock; a negative result becomes a ``GPIOError``.
    private func withLine(_ operation: LinuxGPIOOperation, _ call: (OpaquePointer) -> Int32) throws(GPIOError) -> Int32 {
        let outcome = handle.withLock { (line) -> Result<Int32, GPIOError> in
            guard let line else {
                return .failure(GPIOError(.released, chip: chip, line: id, operation: operation.rawValue))
            }
            let result = call(line)
            guard result >= 0 else {
                let code = errno
                return .failure(GPIOError(GPIOError.Kind(linuxErrno: code, during: operation), chip: chip, line: id, operation: operation.rawValue, errno: code))
            }
            return .success(result)
        }
        return try outcome.get()
    }
}

extension GPIOBias {
    var compat: iost_gpiod_bias {
        switch self {
        case .asIs: return IOST_GPIOD_BIAS_AS_IS
        case .disabled: return IOST_GPIOD_BIAS_DISABLED
        case .pullUp: return IOST_GPIOD_BIAS_PULL_UP
        case .pullDown: return IOST_GPIOD_BIAS_PULL_DOWN
        }
    }
}

extension GPIOEdge {
    var compat: iost_gpiod_edge {
        switch self {
        case .rising: return IOST_GPIOD_EDGE_RISING
        case .falling: return IOST_GPIOD_EDGE_FALLING
        case .both: return IOST_GPIOD_EDGE_BOTH
        }
    }
}
