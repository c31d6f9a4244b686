import HAL
import LinuxHAL
import Systems

/// A hardware GPIO chip whose edge-event lines are read by an ``EdgeEventMonitor`` thread each
/// (`iost-edge-NAME`) once the vehicle starts: the monitor counts wait errors, backs off after
/// one and stops when the line is released, and the device drains its ring without blocking.
///
/// Outputs and inputs pass straight through to the chip.
final class MonitoredGPIOChip: GPIOChip {
    private let chip: any GPIOChip
    /// The configured bus this chip is.
    let bus: String
    /// Every edge line requested so far, for the assembly to start.
    private(set) var edgeLines: [MonitoredEdgeLine] = []

    init(_ chip: any GPIOChip, bus: String) {
        self.chip = chip
        self.bus = bus
    }

    var name: String { chip.name }

    func requestOutput(_ line: GPIOLineID, initialValue: Bool, options: GPIOLineOptions) throws(GPIOError) -> any GPIOOutputLine {
        try chip.requestOutput(line, initialValue: initialValue, options: options)
    }

    func requestInput(_ line: GPIOLineID, options: GPIOLineOptions) throws(GPIOError) -> any GPIOInputLine {
        try chip.requestInput(line, options: options)
    }

    func requestEdgeEvents(_ line: GPIOLineID, edge: GPIOEdge, options: GPIOLineOptions) throws(GPIOError) -> any GPIOEdgeEventLine {
        let monitored = MonitoredEdgeLine(line: try chip.requestEdgeEvents(line, edge: edge, options: options), chip: chip.name, id: line)
        edgeLines.append(monitored)
        return monitored
    }
}

/// An edge-event line read by a monitor thread once started.
///
/// Before ``startMonitor(name:)`` (building, `iostd probe`) waits go to the line itself. After it,
/// ``waitForEvents(timeout:)`` returns what the monitor has read without blocking (`timeout` is
/// not waited: the executive's edge pump calls it with zero); when the monitor has ended because
/// the line failed or was released, it throws the monitor's last error, so the device reports a
/// bus error and device health takes over.
final class MonitoredEdgeLine: GPIOEdgeEventLine, @unchecked Sendable {
    private let line: any GPIOEdgeEventLine
    let chip: String
    let id: GPIOLineID
    private var monitor: EdgeEventMonitor?
    private var buffer: [GPIOEdgeEvent] = []

    init(line: any GPIOEdgeEventLine, chip: String, id: GPIOLineID) {
        self.line = line
        self.chip = chip
        self.id = id
        buffer.reserveCapacity(EdgeEventMonitor.defaultCapacity)
    }

    /// Starts the monitor thread.
    /// - Throws: ``ThreadStartError``.
    func startMonitor(name: ThreadName) throws(ThreadStartError) {
        guard monitor == nil else { return }
        monitor = try EdgeEventMonitor(line: line, name: name)
    }

    /// The monitor's counters (nil before it started).
    var statistics: EdgeEventMonitor.Statistics? { monitor?.statistics }

    /// Stops the monitor thread, if any.
    @discardableResult
    func stopMonitor(timeout: Duration) -> Bool {
        monitor?.stop(timeout: timeout) ?? true
    }

    func waitForEvents(timeout: Duration) throws(GPIOError) -> [GPIOEdgeEvent] {
        guard let monitor else { return try line.waitForEvents(timeout: timeout) }
        buffer.removeAll(keepingCapacity: true)
        monitor.drain(into: &buffer)
        if buffer.isEmpty, !monitor.isRunning {
            throw monitor.statistics.lastError ?? GPIOError(.released, chip: chip, line: id, operation: "wait for edge events")
        }
        return buffer
    }

    func release() {
        _ = monitor?.stop(timeout: .seconds(1))
        line.release()
    }
}
