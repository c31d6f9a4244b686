import CModbus
import HAL

#if canImport(Glibc)
    import Glibc
#endif
import Systems

/// A ``HAL/ModbusClient`` on a real bus through libmodbus: Modbus TCP or RTU.
///
/// - One lock per physical bus: every request holds it from send to response, so several
///   drivers (unit ids) can share the client, and RS-485 — half-duplex — sees one exchange at a
///   time. Clients created for the same bus (same serial device, same host and port) share the
///   lock too.
/// - The unit id is set on every request (`modbus_set_slave`): libmodbus would otherwise send
///   0xFF over TCP, which most servers answer with exception 4 or ignore.
/// - Connects lazily, on the first request. After a connection loss the next request reconnects;
///   failed connects are spaced by ``ReconnectPolicy`` so a dead peer is not hammered. A request
///   never crashes or stalls the caller beyond its timeout: failures come back as
///   ``HAL/ModbusError``.
///
/// - Warning: Requests block for up to the response timeout (plus a connect timeout while
///   reconnecting): call them from an I/O thread, never from a rate group.
public final class LinuxModbusClient: ModbusClient, ReconnectableBus, @unchecked Sendable {
    /// Counters for telemetry and tests.
    public struct Statistics: Sendable, Equatable {
        /// Requests handed to ``perform(_:unit:timeout:)``.
        public var requests = 0
        /// Requests that failed, for any reason.
        public var failures = 0
        /// Connect attempts made (the first connect included).
        public var connectAttempts = 0
        /// Connects that succeeded.
        public var connects = 0
        /// Connections found lost during a request.
        public var connectionLosses = 0
    }

    /// State guarded by the bus lock.
    private struct Link {
        var context: ModbusContext
        var retryAt: MonotonicInstant = .zero
        var delay: Duration
        var statistics = Statistics()
    }

    public let name: String
    public let configuration: ModbusBusConfiguration
    private let bus: BusLock
    // Only touched with `bus` held (see `withBus`).
    private var link: Link
    private let clock: (any MonotonicClock)?

    /// Creates the client; does not connect (the first request does).
    /// - Parameters:
    ///   - clock: the time base of the reconnect back-off; `nil` for CLOCK_MONOTONIC.
    /// - Throws: ``HAL/ModbusError/invalidRequest(_:)`` for an unusable configuration,
    ///   ``HAL/ModbusError/transport(_:errno:)`` if libmodbus refuses it.
    public init(name: String, configuration: ModbusBusConfiguration, clock: (any MonotonicClock)? = nil) throws(ModbusError) {
        if let problem = configuration.problem { throw .invalidRequest("\(name): \(problem)") }
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.bus = BusLock.shared(for: configuration.busKey)
        self.link = Link(context: try ModbusContext(configuration), delay: configuration.reconnect.initialDelay)
    }

    /// The counters so far.
    public var statistics: Statistics { withBus { $0.statistics } }

    /// Whether the connection is open now (it may still turn out lost on the next request).
    public var isConnected: Bool { withBus { $0.context.isConnected } }

    /// Connects now rather than on the first request.
    /// - Throws: ``HAL/ModbusError/connectionLost(_:)`` if the connect fails or the back-off is running.
    public func connect() throws(ModbusError) {
        try withBus { link throws(ModbusError) in try self.ensureConnected(&link) }
    }

    /// Closes the connection; the next request reconnects.
    public func disconnect() {
        withBus { $0.context.close() }
    }

    /// Closes the connection and connects again at once, whatever the back-off (device recovery
    /// paces these calls itself). A success resets the back-off.
    /// - Throws: ``HAL/BusReconnectError`` when the connect fails.
    public func reconnect() throws(BusReconnectError) {
        do throws(ModbusError) {
            try withBus { link throws(ModbusError) in
                link.context.close()
                link.retryAt = .zero
                try self.ensureConnected(&link)
            }
        } catch {
            throw BusReconnectError(bus: name, message: error.description)
        }
    }

    public func perform(_ request: ModbusRequest, unit: UInt8, timeout: Duration?) throws(ModbusError) -> ModbusResponse {
        try withBus { link throws(ModbusError) -> ModbusResponse in
            link.statistics.requests += 1
            do throws(ModbusError) {
                return try self.exchange(request, unit: unit, timeout: timeout, link: &link)
            } catch {
                link.statistics.failures += 1
                throw error
            }
        }
    }

    // MARK: - Under the bus lock

    private func withBus<T, E: Error>(_ body: (inout Link) throws(E) -> T) throws(E) -> T {
        try bus.lock.withLock { _ throws(E) -> T in try body(&self.link) }
    }

    private func exchange(_ request: ModbusRequest, unit: UInt8, timeout: Duration?, link: inout Link) throws(ModbusError) -> ModbusResponse {
        if let problem = Self.validate(request, unit: unit, transport: configuration.transport) {
            throw .invalidRequest("\(name): \(problem)")
        }
        try ensureConnected(&link)
        let context = link.context
        guard modbus_set_slave(context.pointer, Int32(unit)) == 0 else {
            throw .invalidRequest("\(name): unit \(unit) refused by libmodbus: " + LibmodbusErrno.message(errno))
        }
        var restore: Duration?
        if let timeout, timeout > .zero {
            restore = context.responseTimeout()
            _ = context.setResponseTimeout(timeout)
        }
        defer { if let restore { _ = context.setResponseTimeout(restore) } }

        switch Self.call(context.pointer, request) {
        case .response(let response):
            return response
        case .short:
            context.flush()
            throw .invalidResponse("\(name): fewer items than requested in the response")
        case .failed(let code):
            let failure = LibmodbusErrno.classify(code, unit: unit, function: request.functionCode)
            switch failure {
            case .connectionLost:
                link.statistics.connectionLosses += 1
                context.close()
                // Reconnect on the very next request: the peer may be back already.
                link.retryAt = now
            case .exchangeFailed:
                context.flush()
            case .answered:
                break
            }
            throw Self.named(failure.error, name)
        }
    }

    private func ensureConnected(_ link: inout Link) throws(ModbusError) {
        guard !link.context.isConnected else { return }
        let current = now
        if current < link.retryAt {
            let wait = link.retryAt.duration(since: current)
            throw .connectionLost("\(name): not connected, next connect attempt in \(Self.milliseconds(wait)) ms")
        }
        link.statistics.connectAttempts += 1
        if let code = link.context.connect() {
            link.retryAt = current.advanced(by: link.delay)
            let waited = link.delay
            link.delay = configuration.reconnect.next(after: link.delay)
            throw .connectionLost(
                "\(name): connect failed: " + LibmodbusErrno.message(code)
                    + " (errno \(code)); next attempt in \(Self.milliseconds(waited)) ms")
        }
        link.statistics.connects += 1
        link.delay = configuration.reconnect.initialDelay
        link.retryAt = .zero
    }

    private var now: MonotonicInstant {
        if let clock { return clock.now }
        return MonotonicInstant(nanoseconds: MonotonicTime.nanoseconds)
    }

    // MARK: - libmodbus calls

    /// What one libmodbus call came to.
    private enum CallOutcome {
        case response(ModbusResponse)
        /// libmodbus failed with this errno.
        case failed(Int32)
        /// libmodbus returned fewer items than requested.
        case short
    }

    /// Performs `request` on a connected context.
    private static func call(_ ctx: OpaquePointer, _ request: ModbusRequest) -> CallOutcome {
        func outcome(_ rc: Int32, expected: Int, _ make: () -> ModbusResponse) -> CallOutcome {
            if rc < 0 { return .failed(errno) }
            if Int(rc) != expected { return .short }
            return .response(make())
        }
        switch request {
        case .readCoils(let address, let count), .readDiscreteInputs(let address, let count):
            var buffer = [UInt8](repeating: 0, count: Int(count))
            let rc = buffer.withUnsafeMutableBufferPointer { dest -> Int32 in
                if case .readCoils = request {
                    return modbus_read_bits(ctx, Int32(address), Int32(count), dest.baseAddress)
                }
                return modbus_read_input_bits(ctx, Int32(address), Int32(count), dest.baseAddress)
            }
            return outcome(rc, expected: Int(count)) { .bits(buffer.map { $0 != 0 }) }
        case .readHoldingRegisters(let address, let count), .readInputRegisters(let address, let count):
            var buffer = [UInt16](repeating: 0, count: Int(count))
            let rc = buffer.withUnsafeMutableBufferPointer { dest -> Int32 in
                if case .readHoldingRegisters = request {
                    return modbus_read_registers(ctx, Int32(address), Int32(count), dest.baseAddress)
                }
                return modbus_read_input_registers(ctx, Int32(address), Int32(count), dest.baseAddress)
            }
            return outcome(rc, expected: Int(count)) { .registers(buffer) }
        case .writeSingleCoil(let address, let value):
            return outcome(modbus_write_bit(ctx, Int32(address), value ? 1 : 0), expected: 1) { .written }
        case .writeSingleRegister(let address, let value):
            return outcome(modbus_write_register(ctx, Int32(address), value), expected: 1) { .written }
        case .writeMultipleCoils(let address, let values):
            let bytes = values.map { UInt8($0 ? 1 : 0) }
            let rc = bytes.withUnsafeBufferPointer { modbus_write_bits(ctx, Int32(address), Int32(bytes.count), $0.baseAddress) }
            return outcome(rc, expected: values.count) { .written }
        case .writeMultipleRegisters(let address, let values):
            let rc = values.withUnsafeBufferPointer { modbus_write_registers(ctx, Int32(address), Int32(values.count), $0.baseAddress) }
            return outcome(rc, expected: values.count) { .written }
        }
    }

    /// The protocol's quantity limits (Modbus Application Protocol V1.1b3 §6) and unit ids.
    static func validate(_ request: ModbusRequest, unit: UInt8, transport: ModbusBusConfiguration.Transport) -> String? {
        let isWrite: Bool
        switch request {
        case .readCoils(_, let count), .readDiscreteInputs(_, let count):
            if !(1...ModbusRequest.maxReadBits).contains(count) { return "bit count \(count) outside 1...2000" }
            isWrite = false
        case .readHoldingRegisters(_, let count), .readInputRegisters(_, let count):
            if !(1...ModbusRequest.maxReadRegisters).contains(count) { return "register count \(count) outside 1...125" }
            isWrite = false
        case .writeMultipleCoils(_, let values):
            if !(1...ModbusRequest.maxWriteBits).contains(values.count) { return "coil count \(values.count) outside 1...1968" }
            isWrite = true
        case .writeMultipleRegisters(_, let values):
            if !(1...ModbusRequest.maxWriteRegisters).contains(values.count) { return "register count \(values.count) outside 1...123" }
            isWrite = true
        case .writeSingleCoil, .writeSingleRegister:
            isWrite = true
        }
        // Unit 0 is the broadcast address: writes only, and no response comes back.
        if unit == 0 && !isWrite { return "unit 0 (broadcast) cannot be read from" }
        if case .rtu = transport, unit > 247 { return "unit \(unit) outside the RTU range 1...247" }
        return nil
    }

    private static func named(_ error: ModbusError, _ name: String) -> ModbusError {
        switch error {
        case .connectionLost(let detail): return .connectionLost("\(name): \(detail)")
        case .invalidResponse(let detail): return .invalidResponse("\(name): \(detail)")
        case .invalidRequest(let detail): return .invalidRequest("\(name): \(detail)")
        case .transport(let detail, let code): return .transport("\(name): \(detail)", errno: code)
        case .exception, .timeout, .crc: return error
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        max(0, duration.nanoseconds / 1_000_000)
    }
}

/// The lock of one physical bus, shared by every client created for it.
final class BusLock: @unchecked Sendable {
    let lock = LockedValue(())

    private struct WeakEntry { weak var lock: BusLock? }
    private static let registry = LockedValue<[String: WeakEntry]>([:])

    /// The live lock for `key`, or a new one.
    static func shared(for key: String) -> BusLock {
        registry.withLock { table in
            if let existing = table[key]?.lock { return existing }
            table = table.filter { $0.value.lock != nil }
            let created = BusLock()
            table[key] = WeakEntry(lock: created)
            return created
        }
    }
}
