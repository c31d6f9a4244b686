import HAL

/// One configured I2C or Modbus bus as its devices reach it: opened through the ``BusProvider``
/// when first possible, and opened again when it went bad, so a device whose bus was missing at
/// start (no `/dev/i2c-1` yet, a serial adapter plugged in later) or whose bus died (an adapter
/// unbound, a Modbus TCP peer restarted) recovers through its ordinary recovery attempts.
///
/// Drivers are built over ``ConnectedI2CBus`` / ``ConnectedModbusClient``, which forward every
/// transfer to the bus of the moment. Before a transfer:
/// - a bus that is not open is opened (the provider is asked again);
/// - a bus whose last transfer failed with a bus-level error (I2C: bus error, timeout, other —
///   not a NACK, which is one device missing; Modbus: connection lost, transport) is reopened
///   through ``HAL/ReconnectableBus`` (I2C: a new file descriptor; Modbus: a new TCP connection
///   or serial port, without the client's own back-off).
///
/// Attempts that fail are spaced with back-off (`reconnect_initial`, doubling to `reconnect_max`
/// of the `[[bus]]` table; 100 ms and 5 s by default), so a dead bus is not hammered however
/// many devices it carries. Device recovery is slower still (1 s doubling to 60 s): a bus that
/// comes back is used by the very next recovery attempt, within one recovery back-off.
///
/// - Warning: The devices of one bus are sampled by one thread; ``current()`` may be called
///   from any thread (it holds a lock while it opens or reopens).
public final class BusConnection: @unchecked Sendable {
    /// Counters for telemetry and tests.
    public struct Statistics: Sendable, Equatable {
        /// Successful opens through the provider (the first one included).
        public var opens = 0
        /// Successful reopens of an open bus.
        public var reopens = 0
        /// Open or reopen attempts that failed.
        public var failedAttempts = 0
    }

    private struct State {
        var handle: BusHandle?
        var lastError: String
        /// The last transfer failed with a bus-level error: reopen before the next one.
        var transferFailed = false
        var retryAt: MonotonicInstant = .zero
        var delay: Duration
        var statistics = Statistics()
    }

    public let bus: BusConfiguration
    private let provider: any BusProvider
    private let clock: any MonotonicClock
    private let state: LockedValue<State>

    /// Makes the connection and tries to open the bus once.
    public init(bus: BusConfiguration, provider: any BusProvider, clock: any MonotonicClock) {
        self.bus = bus
        self.provider = provider
        self.clock = clock
        state = LockedValue(State(lastError: "not opened yet", delay: bus.reconnectInitial))
        _ = current()
    }

    /// Whether the bus is open now.
    public var isOpen: Bool { state.withLock { $0.handle != nil } }

    /// Why the bus last failed to open, if it is not open.
    public var unavailableReason: String? { state.withLock { $0.handle == nil ? $0.lastError : nil } }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// The bus to use for the next transfer: opened or reopened first when needed and allowed
    /// by the back-off.
    /// - Returns: the bus, or why there is none now.
    public func current() -> Result<BusHandle, BusUnavailable> {
        state.withLock { state -> Result<BusHandle, BusUnavailable> in
            let now = clock.now
            guard let handle = state.handle else {
                guard now >= state.retryAt else {
                    return .failure(BusUnavailable(bus: bus.name, message: "\(bus.name) not open (\(state.lastError))"))
                }
                switch Self.open(bus, provider: provider) {
                case .success(let opened):
                    state.handle = opened
                    state.transferFailed = false
                    state.delay = bus.reconnectInitial
                    state.statistics.opens += 1
                    return .success(opened)
                case .failure(let error):
                    state.lastError = error.message
                    backOff(&state, now: now)
                    return .failure(BusUnavailable(bus: bus.name, message: "\(bus.name) not open (\(error.message))"))
                }
            }
            if state.transferFailed, now >= state.retryAt, let reconnectable = handle.reconnectable {
                do throws(BusReconnectError) {
                    try reconnectable.reconnect()
                    state.transferFailed = false
                    state.statistics.reopens += 1
                } catch {
                    state.lastError = error.message
                    backOff(&state, now: now)
                }
            }
            return .success(handle)
        }
    }

    /// Records the outcome of a transfer: `busLevel` failures make the next transfer reopen.
    func recordTransfer(failedAtBusLevel busLevel: Bool) {
        state.withLock { state in
            if busLevel {
                state.transferFailed = true
            } else if state.transferFailed || state.delay != bus.reconnectInitial {
                state.transferFailed = false
                state.delay = bus.reconnectInitial
                state.retryAt = .zero
            }
        }
    }

    private func backOff(_ state: inout State, now: MonotonicInstant) {
        state.statistics.failedAttempts += 1
        state.retryAt = now + state.delay
        state.delay = min(state.delay * 2, max(bus.reconnectMaximum, bus.reconnectInitial))
    }

    static func open(_ bus: BusConfiguration, provider: any BusProvider) -> Result<BusHandle, BusUnavailable> {
        do {
            switch bus.kind.family {
            case .i2c: return .success(.i2c(try provider.i2cBus(for: bus)))
            case .gpio: return .success(.gpio(try provider.gpioChip(for: bus)))
            case .modbus: return .success(.modbus(try provider.modbusClient(for: bus)))
            }
        } catch {
            return .failure(error)
        }
    }
}

extension BusHandle {
    /// The bus as a ``HAL/ReconnectableBus``, if its backend can reopen.
    var reconnectable: (any ReconnectableBus)? {
        switch self {
        case .i2c(let bus): return bus as? any ReconnectableBus
        case .gpio(let chip): return chip as? any ReconnectableBus
        case .modbus(let client): return client as? any ReconnectableBus
        }
    }
}

/// An I2C bus that forwards to its ``BusConnection``'s bus of the moment (see there).
public final class ConnectedI2CBus: I2CBus, @unchecked Sendable {
    public let connection: BusConnection
    public let name: String

    public init(_ connection: BusConnection) {
        self.connection = connection
        name = connection.bus.name
    }

    @inline(__always)
    private func forward<T>(_ operation: I2COperationName, _ address: I2CAddress?, _ body: (any I2CBus) throws(I2CError) -> T) throws(I2CError) -> T {
        let bus: any I2CBus
        switch connection.current() {
        case .success(.i2c(let current)): bus = current
        // The reason (`/dev/i2c-1`: no such file) travels in the bus name of the error.
        case .failure(let unavailable): throw I2CError(.bus, operation: operation, address: address, bus: unavailable.message)
        case .success: throw I2CError(.bus, operation: operation, address: address, bus: "\(name) (not an I2C bus)")
        }
        do throws(I2CError) {
            let result = try body(bus)
            connection.recordTransfer(failedAtBusLevel: false)
            return result
        } catch {
            connection.recordTransfer(failedAtBusLevel: Self.isBusLevel(error))
            throw error
        }
    }

    /// Whether `error` says the bus (not one device) is in trouble.
    static func isBusLevel(_ error: I2CError) -> Bool {
        switch error.kind {
        case .bus, .timeout, .other: return true
        case .noAcknowledge, .arbitrationLost, .unsupported: return false
        }
    }

    public func transaction(_ address: I2CAddress, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]] {
        try forward(.transaction, address) { bus throws(I2CError) in try bus.transaction(address, operations) }
    }

    public func readByteData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt8 {
        try forward(.readByteData, address) { bus throws(I2CError) in try bus.readByteData(address, register: register) }
    }

    public func writeByteData(_ address: I2CAddress, register: UInt8, value: UInt8) throws(I2CError) {
        try forward(.writeByteData, address) { bus throws(I2CError) in try bus.writeByteData(address, register: register, value: value) }
    }

    public func readWordData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt16 {
        try forward(.readWordData, address) { bus throws(I2CError) in try bus.readWordData(address, register: register) }
    }

    public func writeWordData(_ address: I2CAddress, register: UInt8, value: UInt16) throws(I2CError) {
        try forward(.writeWordData, address) { bus throws(I2CError) in try bus.writeWordData(address, register: register, value: value) }
    }

    public func readBlockData(_ address: I2CAddress, register: UInt8, count: Int) throws(I2CError) -> [UInt8] {
        try forward(.readBlockData, address) { bus throws(I2CError) in try bus.readBlockData(address, register: register, count: count) }
    }

    public func writeBlockData(_ address: I2CAddress, register: UInt8, bytes: [UInt8]) throws(I2CError) {
        try forward(.writeBlockData, address) { bus throws(I2CError) in try bus.writeBlockData(address, register: register, bytes: bytes) }
    }
}

/// A Modbus client that forwards to its ``BusConnection``'s client of the moment (see there).
public final class ConnectedModbusClient: ModbusClient, @unchecked Sendable {
    public let connection: BusConnection
    public let name: String

    public init(_ connection: BusConnection) {
        self.connection = connection
        name = connection.bus.name
    }

    public func perform(_ request: ModbusRequest, unit: UInt8, timeout: Duration?) throws(ModbusError) -> ModbusResponse {
        let client: any ModbusClient
        switch connection.current() {
        case .success(.modbus(let current)): client = current
        case .success: throw .connectionLost("\(name): not a Modbus bus")
        case .failure(let unavailable): throw .connectionLost(unavailable.message)
        }
        do throws(ModbusError) {
            let response = try client.perform(request, unit: unit, timeout: timeout)
            connection.recordTransfer(failedAtBusLevel: false)
            return response
        } catch {
            connection.recordTransfer(failedAtBusLevel: Self.isBusLevel(error))
            throw error
        }
    }

    /// Whether `error` says the link (not one unit) is in trouble.
    static func isBusLevel(_ error: ModbusError) -> Bool {
        switch error {
        case .connectionLost, .transport: return true
        case .exception, .timeout, .crc, .invalidResponse, .invalidRequest: return false
        }
    }
}
