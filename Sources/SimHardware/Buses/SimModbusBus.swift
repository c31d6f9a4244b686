import HAL

/// A simulated Modbus server (one unit id) answering at PDU level.
public protocol ModbusDeviceModel: AnyObject {
    /// Answers `request` with a response or an exception code, as the real device would.
    func handle(_ request: ModbusRequest) -> Result<ModbusResponse, ModbusExceptionCode>
}

/// A simulated Modbus bus (an RS-485 line or a TCP gateway) routing requests by unit id.
///
/// A unit with no model times out, as on a real RS-485 line. Every request first consults the
/// ``FaultInjector`` under the device's name: exception, silence (timeout), disconnect
/// (connection lost). Requests are validated against the protocol's quantity limits before they
/// reach a model, as a real client library does.
public final class SimModbusBus: ModbusClient, @unchecked Sendable {
    public let name: String
    private let faults: FaultInjector?
    private let units = LockedValue<[UInt8: (name: String, model: any ModbusDeviceModel)]>([:])
    private let busLock = LockedValue(0)

    public init(name: String = "sim-modbus", faults: FaultInjector? = nil) {
        self.name = name
        self.faults = faults
    }

    /// Attaches `model` as `unit` under `deviceName` (the name faults are injected by).
    public func attach(_ model: any ModbusDeviceModel, unit: UInt8, deviceName: String) {
        units.withLock { $0[unit] = (deviceName, model) }
    }

    /// Requests served, including failed ones.
    public var requestCount: Int { busLock.withLock { $0 } }

    public func perform(_ request: ModbusRequest, unit: UInt8, timeout: Duration?) throws(ModbusError) -> ModbusResponse {
        if let problem = Self.validate(request) { throw .invalidRequest(problem) }
        let result: Result<ModbusResponse, ModbusError> = busLock.withLock { count in
            count += 1
            guard let device = units.withLock({ $0[unit] }) else { return .failure(.timeout(unit: unit)) }
            if let fault = faults?.busFault(device: device.name) {
                switch fault {
                case .modbusException(let code):
                    return .failure(.exception(code, unit: unit, function: request.functionCode))
                case .modbusSilence, .timeout, .noAcknowledge:
                    return .failure(.timeout(unit: unit))
                case .disconnect:
                    return .failure(.connectionLost("\(name): unit \(unit) disconnected"))
                default:
                    break
                }
            }
            switch device.model.handle(request) {
            case .success(let response): return .success(response)
            case .failure(let code): return .failure(.exception(code, unit: unit, function: request.functionCode))
            }
        }
        return try result.get()
    }

    /// The quantity limits of Modbus Application Protocol V1.1b3 §6.
    static func validate(_ request: ModbusRequest) -> String? {
        switch request {
        case .readCoils(_, let count), .readDiscreteInputs(_, let count):
            return (1...ModbusRequest.maxReadBits).contains(count) ? nil : "bit count \(count) outside 1...2000"
        case .readHoldingRegisters(_, let count), .readInputRegisters(_, let count):
            return (1...ModbusRequest.maxReadRegisters).contains(count) ? nil : "register count \(count) outside 1...125"
        case .writeMultipleCoils(_, let values):
            return (1...ModbusRequest.maxWriteBits).contains(values.count) ? nil : "coil count \(values.count) outside 1...1968"
        case .writeMultipleRegisters(_, let values):
            return (1...ModbusRequest.maxWriteRegisters).contains(values.count) ? nil : "register count \(values.count) outside 1...123"
        case .writeSingleCoil, .writeSingleRegister:
            return nil
        }
    }
}

/// A register bank a Modbus device model builds on: input and holding registers, coils and
/// discrete inputs at defined addresses, answering *illegal data address* elsewhere, with a hook
/// for write side effects.
public final class ModbusRegisterBank: ModbusDeviceModel, @unchecked Sendable {
    public var inputRegisters: [UInt16: UInt16] = [:]
    public var holdingRegisters: [UInt16: UInt16] = [:]
    public var coils: [UInt16: Bool] = [:]
    public var discreteInputs: [UInt16: Bool] = [:]
    /// Called before a holding register write is stored; return an exception code to refuse it.
    public var onHoldingWrite: ((UInt16, UInt16) -> ModbusExceptionCode?)?
    /// Called before a coil write is stored; return an exception code to refuse it.
    public var onCoilWrite: ((UInt16, Bool) -> ModbusExceptionCode?)?
    /// Function codes this device implements; others answer *illegal function*.
    public var supportedFunctions: Set<UInt8> = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0F, 0x10]
    private let lock = LockedValue(())

    public init() {}

    /// Runs `body` with the bank locked (for a model's backend API writing several registers at once).
    public func update<T>(_ body: (ModbusRegisterBank) -> T) -> T {
        lock.withLock { _ in body(self) }
    }

    public func handle(_ request: ModbusRequest) -> Result<ModbusResponse, ModbusExceptionCode> {
        lock.withLock { _ in handleLocked(request) }
    }

    private func handleLocked(_ request: ModbusRequest) -> Result<ModbusResponse, ModbusExceptionCode> {
        guard supportedFunctions.contains(request.functionCode) else { return .failure(.illegalFunction) }
        func readRange<V>(_ map: [UInt16: V], _ address: UInt16, _ count: UInt16) -> [V]? {
            var values: [V] = []
            values.reserveCapacity(Int(count))
            for offset in 0..<UInt32(count) {
                let index = UInt32(address) + offset
                guard index <= UInt32(UInt16.max), let value = map[UInt16(index)] else { return nil }
                values.append(value)
            }
            return values
        }
        switch request {
        case .readCoils(let address, let count):
            return readRange(coils, address, count).map { .success(.bits($0)) } ?? .failure(.illegalDataAddress)
        case .readDiscreteInputs(let address, let count):
            return readRange(discreteInputs, address, count).map { .success(.bits($0)) } ?? .failure(.illegalDataAddress)
        case .readHoldingRegisters(let address, let count):
            return readRange(holdingRegisters, address, count).map { .success(.registers($0)) } ?? .failure(.illegalDataAddress)
        case .readInputRegisters(let address, let count):
            return readRange(inputRegisters, address, count).map { .success(.registers($0)) } ?? .failure(.illegalDataAddress)
        case .writeSingleCoil(let address, let value):
            return writeCoils(address, [value])
        case .writeMultipleCoils(let address, let values):
            return writeCoils(address, values)
        case .writeSingleRegister(let address, let value):
            return writeRegisters(address, [value])
        case .writeMultipleRegisters(let address, let values):
            return writeRegisters(address, values)
        }
    }

    private func writeRegisters(_ address: UInt16, _ values: [UInt16]) -> Result<ModbusResponse, ModbusExceptionCode> {
        for offset in values.indices {
            let index = UInt32(address) + UInt32(offset)
            guard index <= UInt32(UInt16.max), holdingRegisters[UInt16(index)] != nil else { return .failure(.illegalDataAddress) }
        }
        for (offset, value) in values.enumerated() {
            let index = address &+ UInt16(offset)
            if let code = onHoldingWrite?(index, value) { return .failure(code) }
            holdingRegisters[index] = value
        }
        return .success(.written)
    }

    private func writeCoils(_ address: UInt16, _ values: [Bool]) -> Result<ModbusResponse, ModbusExceptionCode> {
        for offset in values.indices {
            let index = UInt32(address) + UInt32(offset)
            guard index <= UInt32(UInt16.max), coils[UInt16(index)] != nil else { return .failure(.illegalDataAddress) }
        }
        for (offset, value) in values.enumerated() {
            let index = address &+ UInt16(offset)
            if let code = onCoilWrite?(index, value) { return .failure(code) }
            coils[index] = value
        }
        return .success(.written)
    }
}
