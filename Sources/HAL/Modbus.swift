/// A Modbus request PDU (application data unit without address and checksum).
public enum ModbusRequest: Sendable, Equatable {
    /// Function 0x01.
    case readCoils(address: UInt16, count: UInt16)
    /// Function 0x02.
    case readDiscreteInputs(address: UInt16, count: UInt16)
    /// Function 0x03.
    case readHoldingRegisters(address: UInt16, count: UInt16)
    /// Function 0x04.
    case readInputRegisters(address: UInt16, count: UInt16)
    /// Function 0x05.
    case writeSingleCoil(address: UInt16, value: Bool)
    /// Function 0x06.
    case writeSingleRegister(address: UInt16, value: UInt16)
    /// Function 0x0F.
    case writeMultipleCoils(address: UInt16, values: [Bool])
    /// Function 0x10.
    case writeMultipleRegisters(address: UInt16, values: [UInt16])

    /// The Modbus function code.
    public var functionCode: UInt8 {
        switch self {
        case .readCoils: return 0x01
        case .readDiscreteInputs: return 0x02
        case .readHoldingRegisters: return 0x03
        case .readInputRegisters: return 0x04
        case .writeSingleCoil: return 0x05
        case .writeSingleRegister: return 0x06
        case .writeMultipleCoils: return 0x0F
        case .writeMultipleRegisters: return 0x10
        }
    }

    /// The largest quantities the protocol allows in one request (Modbus Application Protocol V1.1b3, §6).
    public static let maxReadBits: UInt16 = 2000
    public static let maxReadRegisters: UInt16 = 125
    public static let maxWriteBits = 1968
    public static let maxWriteRegisters = 123
}

/// A successful Modbus response.
public enum ModbusResponse: Sendable, Equatable {
    /// Coils or discrete inputs, exactly as many as requested.
    case bits([Bool])
    /// Holding or input registers, exactly as many as requested.
    case registers([UInt16])
    /// A write was acknowledged.
    case written
}

/// A Modbus exception code returned by a server (Modbus Application Protocol V1.1b3, §7).
public enum ModbusExceptionCode: Error, Sendable, Equatable, CustomStringConvertible {
    case illegalFunction
    case illegalDataAddress
    case illegalDataValue
    case serverDeviceFailure
    case acknowledge
    case serverDeviceBusy
    case memoryParityError
    case gatewayPathUnavailable
    case gatewayTargetFailedToRespond
    case unknown(UInt8)

    public init(code: UInt8) {
        switch code {
        case 0x01: self = .illegalFunction
        case 0x02: self = .illegalDataAddress
        case 0x03: self = .illegalDataValue
        case 0x04: self = .serverDeviceFailure
        case 0x05: self = .acknowledge
        case 0x06: self = .serverDeviceBusy
        case 0x08: self = .memoryParityError
        case 0x0A: self = .gatewayPathUnavailable
        case 0x0B: self = .gatewayTargetFailedToRespond
        default: self = .unknown(code)
        }
    }

    public var code: UInt8 {
        switch self {
        case .illegalFunction: return 0x01
        case .illegalDataAddress: return 0x02
        case .illegalDataValue: return 0x03
        case .serverDeviceFailure: return 0x04
        case .acknowledge: return 0x05
        case .serverDeviceBusy: return 0x06
        case .memoryParityError: return 0x08
        case .gatewayPathUnavailable: return 0x0A
        case .gatewayTargetFailedToRespond: return 0x0B
        case .unknown(let code): return code
        }
    }

    public var description: String {
        switch self {
        case .illegalFunction: return "illegal function"
        case .illegalDataAddress: return "illegal data address"
        case .illegalDataValue: return "illegal data value"
        case .serverDeviceFailure: return "server device failure"
        case .acknowledge: return "acknowledge"
        case .serverDeviceBusy: return "server device busy"
        case .memoryParityError: return "memory parity error"
        case .gatewayPathUnavailable: return "gateway path unavailable"
        case .gatewayTargetFailedToRespond: return "gateway target failed to respond"
        case .unknown(let code): return "exception 0x" + String(code, radix: 16)
        }
    }
}

/// A Modbus failure: an exception from the server, or a transport failure.
public enum ModbusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an exception response.
    case exception(ModbusExceptionCode, unit: UInt8, function: UInt8)
    /// No (complete) response within the response timeout.
    case timeout(unit: UInt8)
    /// The RTU frame's CRC did not match.
    case crc(unit: UInt8)
    /// The connection or serial port was lost; the client reconnects on the next request.
    case connectionLost(String)
    /// The response was malformed or did not match the request (wrong unit, function, count).
    case invalidResponse(String)
    /// The request cannot be sent (a count outside the protocol's limits, a bad unit id).
    case invalidRequest(String)
    /// Any other transport failure, with the errno when known.
    case transport(String, errno: Int32?)

    public var description: String {
        switch self {
        case .exception(let code, let unit, let function):
            return "modbus exception \(code.code) (\(code)) from unit \(unit), function 0x" + String(function, radix: 16)
        case .timeout(let unit): return "modbus timeout waiting for unit \(unit)"
        case .crc(let unit): return "modbus CRC error in response from unit \(unit)"
        case .connectionLost(let detail): return "modbus connection lost: \(detail)"
        case .invalidResponse(let detail): return "modbus invalid response: \(detail)"
        case .invalidRequest(let detail): return "modbus invalid request: \(detail)"
        case .transport(let detail, let errno):
            return "modbus transport error: \(detail)" + (errno.map { " (errno \($0))" } ?? "")
        }
    }
}

/// A Modbus client on one physical bus (a TCP connection or an RS-485 line).
///
/// One required method, ``perform(_:unit:timeout:)``; typed convenience calls follow in an
/// extension. Several devices (unit ids) may share one client: RS-485 is half-duplex, so
/// implementations serialize requests with one lock per physical bus.
///
/// - Warning: Calls block for up to the response timeout (about 20 ms a read at 19200 baud):
///   call them from an I/O thread, never from a rate group.
public protocol ModbusClient: AnyObject {
    /// A short name for messages, such as `rs485-1`.
    var name: String { get }

    /// Sends `request` to `unit` and waits for its response.
    /// - Parameters:
    ///   - timeout: the response timeout for this request, or `nil` for the bus's configured one.
    /// - Throws: ``ModbusError``.
    func perform(_ request: ModbusRequest, unit: UInt8, timeout: Duration?) throws(ModbusError) -> ModbusResponse
}

extension ModbusClient {
    public func readCoils(unit: UInt8, address: UInt16, count: UInt16, timeout: Duration? = nil) throws(ModbusError) -> [Bool] {
        try bits(perform(.readCoils(address: address, count: count), unit: unit, timeout: timeout), count: Int(count))
    }

    public func readDiscreteInputs(unit: UInt8, address: UInt16, count: UInt16, timeout: Duration? = nil) throws(ModbusError) -> [Bool] {
        try bits(perform(.readDiscreteInputs(address: address, count: count), unit: unit, timeout: timeout), count: Int(count))
    }

    public func readHoldingRegisters(unit: UInt8, address: UInt16, count: UInt16, timeout: Duration? = nil) throws(ModbusError) -> [UInt16] {
        try registers(perform(.readHoldingRegisters(address: address, count: count), unit: unit, timeout: timeout), count: Int(count))
    }

    public func readInputRegisters(unit: UInt8, address: UInt16, count: UInt16, timeout: Duration? = nil) throws(ModbusError) -> [UInt16] {
        try registers(perform(.readInputRegisters(address: address, count: count), unit: unit, timeout: timeout), count: Int(count))
    }

    public func writeSingleCoil(unit: UInt8, address: UInt16, value: Bool, timeout: Duration? = nil) throws(ModbusError) {
        _ = try perform(.writeSingleCoil(address: address, value: value), unit: unit, timeout: timeout)
    }

    public func writeSingleRegister(unit: UInt8, address: UInt16, value: UInt16, timeout: Duration? = nil) throws(ModbusError) {
        _ = try perform(.writeSingleRegister(address: address, value: value), unit: unit, timeout: timeout)
    }

    public func writeMultipleCoils(unit: UInt8, address: UInt16, values: [Bool], timeout: Duration? = nil) throws(ModbusError) {
        _ = try perform(.writeMultipleCoils(address: address, values: values), unit: unit, timeout: timeout)
    }

    public func writeMultipleRegisters(unit: UInt8, address: UInt16, values: [UInt16], timeout: Duration? = nil) throws(ModbusError) {
        _ = try perform(.writeMultipleRegisters(address: address, values: values), unit: unit, timeout: timeout)
    }

    private func bits(_ response: ModbusResponse, count: Int) throws(ModbusError) -> [Bool] {
        guard case .bits(let values) = response, values.count == count else {
            throw .invalidResponse("expected \(count) bits, got \(response)")
        }
        return values
    }

    private func registers(_ response: ModbusResponse, count: Int) throws(ModbusError) -> [UInt16] {
        guard case .registers(let values) = response, values.count == count else {
            throw .invalidResponse("expected \(count) registers, got \(response)")
        }
        return values
    }
}

/// Encodes and decodes IEEE-754 single-precision floats carried in two 16-bit registers.
public enum ModbusFloat {
    /// Word order of a 32-bit value across two registers.
    public enum WordOrder: Sendable {
        /// High word first (Sensirion SCD30, most devices): "big-endian" / ABCD.
        case highWordFirst
        /// Low word first ("word-swapped" / CDAB).
        case lowWordFirst
    }

    public static func decode(_ registers: ArraySlice<UInt16>, order: WordOrder = .highWordFirst) -> Float? {
        guard registers.count == 2, let first = registers.first, let last = registers.last else { return nil }
        let bits: UInt32 =
            order == .highWordFirst
            ? UInt32(first) << 16 | UInt32(last)
            : UInt32(last) << 16 | UInt32(first)
        return Float(bitPattern: bits)
    }

    public static func encode(_ value: Float, order: WordOrder = .highWordFirst) -> [UInt16] {
        let bits = value.bitPattern
        let high = UInt16(truncatingIfNeeded: bits >> 16)
        let low = UInt16(truncatingIfNeeded: bits)
        return order == .highWordFirst ? [high, low] : [low, high]
    }
}
