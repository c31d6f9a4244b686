import HAL

/// A simulated GPIO chip: named lines, output readback, input levels and edge injection with
/// timestamps.
///
/// The physics world reads the outputs the drivers set (``outputValue(_:)``) and drives inputs
/// and edges (``setInput(_:level:)``, ``injectEdge(_:kind:at:)``). Values exchanged with the
/// simulation are electrical levels; the lines the drivers hold apply active-low as a real chip does.
public final class SimGPIOChip: GPIOChip, @unchecked Sendable {
    public let name: String
    private let lineNames: [String]
    private let faults: FaultInjector?
    private let state: LockedValue<State>

    private struct State {
        var levels: [Bool]
        var requested: [UInt32: String] = [:] // offset → how it was requested
        var pending: [UInt32: [GPIOEdgeEvent]] = [:]
        var edgeKinds: [UInt32: GPIOEdge] = [:]
        var activeLow: [UInt32: Bool] = [:]
        var deviceNames: [UInt32: String] = [:]
        var dropped = 0
        /// Events produced per line since it was requested (the kernel's `line_seqno`).
        var lineSequence: [UInt32: UInt64] = [:]
        var globalSequence: UInt64 = 0
    }

    /// The default number of edge events buffered per line before the oldest are dropped (and
    /// counted), as the kernel's event FIFO does (libgpiod v2 requests 1024, the kernel's largest).
    public static let eventBufferCapacity = 1024

    /// The edge events buffered per line (the kernel's buffer: 16 under libgpiod v1).
    public let bufferCapacity: Int
    /// Whether events carry sequence numbers, as under libgpiod v2 (not under v1).
    public let reportsSequenceNumbers: Bool

    /// - Parameters:
    ///   - lineNames: the lines' names, indexed by offset.
    ///   - bufferCapacity: edge events buffered per line; the oldest is dropped when full.
    ///   - reportsSequenceNumbers: stamp events with line and global sequence numbers (v2).
    public init(
        name: String = "sim-gpiochip", lineNames: [String], faults: FaultInjector? = nil,
        bufferCapacity: Int = SimGPIOChip.eventBufferCapacity, reportsSequenceNumbers: Bool = true
    ) {
        precondition(bufferCapacity > 0, "an edge event buffer holds at least one event")
        self.name = name
        self.lineNames = lineNames
        self.faults = faults
        self.bufferCapacity = bufferCapacity
        self.reportsSequenceNumbers = reportsSequenceNumbers
        self.state = LockedValue(State(levels: Array(repeating: false, count: lineNames.count)))
    }

    /// Names the device a line belongs to, so faults injected under that name reach it.
    public func assign(_ line: GPIOLineID, toDevice device: String) {
        guard let offset = try? resolve(line, operation: "assign") else { return }
        state.withLock { $0.deviceNames[offset] = device }
    }

    /// The electrical level of a line (what a driver last set, or what the simulation drives).
    public func outputValue(_ line: GPIOLineID) -> Bool? {
        guard let offset = try? resolve(line, operation: "read") else { return nil }
        return state.withLock { $0.levels[Int(offset)] }
    }

    /// Whether a line is currently requested by a driver.
    public func isRequested(_ line: GPIOLineID) -> Bool {
        guard let offset = try? resolve(line, operation: "read") else { return false }
        return state.withLock { $0.requested[offset] != nil }
    }

    /// Drives an input's electrical level without producing an edge event.
    public func setInput(_ line: GPIOLineID, level: Bool) {
        guard let offset = try? resolve(line, operation: "drive") else { return }
        state.withLock { $0.levels[Int(offset)] = level }
    }

    /// Injects one electrical edge at `timestamp`; it reaches an edge line requested for that edge.
    public func injectEdge(_ line: GPIOLineID, kind: GPIOEdgeEvent.Kind, at timestamp: MonotonicInstant) {
        guard let offset = try? resolve(line, operation: "inject") else { return }
        state.withLock { state in
            state.levels[Int(offset)] = kind == .rising
            guard let wanted = state.edgeKinds[offset] else { return }
            let activeLow = state.activeLow[offset] ?? false
            let logical: GPIOEdgeEvent.Kind = activeLow ? (kind == .rising ? .falling : .rising) : kind
            let matches = wanted == .both || (wanted == .rising && logical == .rising) || (wanted == .falling && logical == .falling)
            guard matches else { return }
            // The kernel numbers an event when it is produced, whether or not it fits the buffer.
            let lineSequence = state.lineSequence[offset, default: 0] + 1
            state.lineSequence[offset] = lineSequence
            state.globalSequence += 1
            var queue = state.pending[offset, default: []]
            if queue.count >= bufferCapacity {
                queue.removeFirst()
                state.dropped += 1
            }
            queue.append(
                GPIOEdgeEvent(
                    kind: logical, timestampNanoseconds: timestamp.nanoseconds, lineOffset: offset,
                    lineSequence: reportsSequenceNumbers ? lineSequence : nil,
                    globalSequence: reportsSequenceNumbers ? state.globalSequence : nil))
            state.pending[offset] = queue
        }
    }

    /// Edge events dropped because a line's buffer was full.
    public var droppedEvents: Int { state.withLock { $0.dropped } }

    public func requestOutput(_ line: GPIOLineID, initialValue: Bool, options: GPIOLineOptions) throws(GPIOError) -> any GPIOOutputLine {
        let offset = try claim(line, as: "output", operation: "request output")
        state.withLock { state in
            state.levels[Int(offset)] = initialValue != options.activeLow
            state.activeLow[offset] = options.activeLow
        }
        return SimLine(chip: self, offset: offset, id: line, activeLow: options.activeLow)
    }

    public func requestInput(_ line: GPIOLineID, options: GPIOLineOptions) throws(GPIOError) -> any GPIOInputLine {
        let offset = try claim(line, as: "input", operation: "request input")
        state.withLock { $0.activeLow[offset] = options.activeLow }
        return SimLine(chip: self, offset: offset, id: line, activeLow: options.activeLow)
    }

    public func requestEdgeEvents(_ line: GPIOLineID, edge: GPIOEdge, options: GPIOLineOptions) throws(GPIOError) -> any GPIOEdgeEventLine {
        let offset = try claim(line, as: "edge", operation: "request edge events")
        state.withLock { state in
            state.edgeKinds[offset] = edge
            state.activeLow[offset] = options.activeLow
            state.pending[offset] = []
        }
        return SimLine(chip: self, offset: offset, id: line, activeLow: options.activeLow)
    }

    fileprivate func checkFault(_ offset: UInt32, id: GPIOLineID, operation: String) throws(GPIOError) {
        guard let device = state.withLock({ $0.deviceNames[offset] }), let faults else { return }
        if let fault = faults.busFault(device: device), fault == .disconnect || fault == .timeout || fault == .noAcknowledge {
            throw GPIOError(.io, chip: name, line: id, operation: operation, errno: 5)
        }
    }

    fileprivate func level(_ offset: UInt32) -> Bool { state.withLock { $0.levels[Int(offset)] } }
    fileprivate func setLevel(_ offset: UInt32, _ level: Bool) { state.withLock { $0.levels[Int(offset)] = level } }
    fileprivate func drain(_ offset: UInt32) -> [GPIOEdgeEvent] {
        state.withLock { state in
            let events = state.pending[offset] ?? []
            state.pending[offset] = []
            return events
        }
    }
    fileprivate func release(_ offset: UInt32) {
        state.withLock { state in
            state.requested[offset] = nil
            state.edgeKinds[offset] = nil
            state.lineSequence[offset] = nil
            state.pending[offset] = nil
        }
    }

    private func resolve(_ line: GPIOLineID, operation: String) throws(GPIOError) -> UInt32 {
        switch line {
        case .offset(let offset):
            guard Int(offset) < lineNames.count else { throw GPIOError(.lineNotFound, chip: name, line: line, operation: operation) }
            return offset
        case .name(let wanted):
            guard let index = lineNames.firstIndex(of: wanted) else { throw GPIOError(.lineNotFound, chip: name, line: line, operation: operation) }
            return UInt32(index)
        }
    }

    private func claim(_ line: GPIOLineID, as how: String, operation: String) throws(GPIOError) -> UInt32 {
        let offset = try resolve(line, operation: operation)
        let taken = state.withLock { state -> Bool in
            if state.requested[offset] != nil { return true }
            state.requested[offset] = how
            return false
        }
        if taken { throw GPIOError(.busy, chip: name, line: line, operation: operation, errno: 16) }
        return offset
    }
}

/// A line handed out by ``SimGPIOChip``.
private final class SimLine: GPIOOutputLine, GPIOInputLine, GPIOEdgeEventLine, @unchecked Sendable {
    private let chip: SimGPIOChip
    private let offset: UInt32
    private let id: GPIOLineID
    private let activeLow: Bool
    private let released = LockedValue(false)

    init(chip: SimGPIOChip, offset: UInt32, id: GPIOLineID, activeLow: Bool) {
        self.chip = chip
        self.offset = offset
        self.id = id
        self.activeLow = activeLow
    }

    private func checkLive(_ operation: String) throws(GPIOError) {
        if released.withLock({ $0 }) { throw GPIOError(.released, chip: chip.name, line: id, operation: operation) }
        try chip.checkFault(offset, id: id, operation: operation)
    }

    func set(_ value: Bool) throws(GPIOError) {
        try checkLive("set")
        chip.setLevel(offset, value != activeLow)
    }

    func get() throws(GPIOError) -> Bool {
        try checkLive("get")
        return chip.level(offset) != activeLow
    }

    func waitForEvents(timeout: Duration) throws(GPIOError) -> [GPIOEdgeEvent] {
        try checkLive("read edge events")
        return chip.drain(offset)
    }

    func release() {
        let first = released.withLock { was -> Bool in
            defer { was = true }
            return !was
        }
        if first { chip.release(offset) }
    }
}
