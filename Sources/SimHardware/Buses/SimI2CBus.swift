import HAL

/// A simulated I2C target at register level: it sees the bytes of each segment, exactly as a real
/// device would on the wire.
public protocol I2CDeviceModel: AnyObject {
    /// A write segment addressed to this device (the first byte is usually a register pointer).
    func receive(_ bytes: [UInt8])
    /// A read segment of `count` bytes.
    func transmit(count: Int) -> [UInt8]
}

/// A simulated I2C bus that routes each transaction by address to a device model.
///
/// An address with no model answers no-acknowledge(address), as a real bus does. Every
/// transaction first consults the ``FaultInjector`` under the device's name. SMBus calls are
/// translated to the segments they put on the wire, so the model sees the same bytes either way.
public final class SimI2CBus: I2CBus, @unchecked Sendable {
    public let name: String
    private let faults: FaultInjector?
    private let devices = LockedValue<[I2CAddress: (name: String, model: any I2CDeviceModel)]>([:])
    private let lock = LockedValue(())
    /// Every transaction, counted (for tests and statistics).
    public private(set) var transactionCount = 0

    public init(name: String = "sim-i2c", faults: FaultInjector? = nil) {
        self.name = name
        self.faults = faults
    }

    /// Attaches `model` at `address` under `deviceName` (the name faults are injected by).
    public func attach(_ model: any I2CDeviceModel, at address: I2CAddress, deviceName: String) {
        devices.withLock { $0[address] = (deviceName, model) }
    }

    /// Runs `body` while no transaction is in progress (to update device models atomically with
    /// respect to the drivers reading them).
    public func withBusLocked<T>(_ body: () -> T) -> T {
        lock.withLock { _ in body() }
    }

    /// Detaches whatever is at `address`.
    public func detach(_ address: I2CAddress) {
        devices.withLock { _ = $0.removeValue(forKey: address) }
    }

    public func transaction(_ address: I2CAddress, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]] {
        try run(address, operation: .transaction, operations)
    }

    public func readByteData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt8 {
        let bytes = try run(address, operation: .readByteData, [.write([register]), .read(count: 1)])
        return bytes.first?.first ?? 0xFF
    }

    public func writeByteData(_ address: I2CAddress, register: UInt8, value: UInt8) throws(I2CError) {
        _ = try run(address, operation: .writeByteData, [.write([register, value])])
    }

    public func readWordData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt16 {
        let bytes = try run(address, operation: .readWordData, [.write([register]), .read(count: 2)]).first ?? []
        guard bytes.count == 2 else { throw I2CError(.bus, operation: .readWordData, address: address, bus: name) }
        return UInt16(bytes[0]) | UInt16(bytes[1]) << 8
    }

    public func writeWordData(_ address: I2CAddress, register: UInt8, value: UInt16) throws(I2CError) {
        _ = try run(address, operation: .writeWordData, [.write([register, UInt8(value & 0xFF), UInt8(value >> 8)])])
    }

    public func readBlockData(_ address: I2CAddress, register: UInt8, count: Int) throws(I2CError) -> [UInt8] {
        guard (1...32).contains(count) else { throw I2CError(.unsupported, operation: .readBlockData, address: address, bus: name) }
        return try run(address, operation: .readBlockData, [.write([register]), .read(count: count)]).first ?? []
    }

    public func writeBlockData(_ address: I2CAddress, register: UInt8, bytes: [UInt8]) throws(I2CError) {
        guard bytes.count <= 32 else { throw I2CError(.unsupported, operation: .writeBlockData, address: address, bus: name) }
        _ = try run(address, operation: .writeBlockData, [.write([register] + bytes)])
    }

    private func run(_ address: I2CAddress, operation: I2COperationName, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]] {
        let result: Result<[[UInt8]], I2CError> = lock.withLock { _ in
            transactionCount += 1
            guard let device = devices.withLock({ $0[address] }) else {
                return .failure(I2CError(.noAcknowledge(.address), operation: operation, address: address, bus: name))
            }
            if let fault = faults?.busFault(device: device.name) {
                switch fault {
                case .timeout:
                    return .failure(I2CError(.timeout, operation: operation, address: address, bus: name))
                case .noAcknowledge, .disconnect:
                    return .failure(I2CError(.noAcknowledge(.address), operation: operation, address: address, bus: name))
                default:
                    break
                }
            }
            var reads: [[UInt8]] = []
            for segment in operations {
                switch segment {
                case .write(let bytes): device.model.receive(bytes)
                case .read(let count):
                    guard count >= 0 else {
                        return .failure(I2CError(.other, operation: operation, address: address, bus: name))
                    }
                    reads.append(device.model.transmit(count: count))
                }
            }
            return .success(reads)
        }
        return try result.get()
    }
}
