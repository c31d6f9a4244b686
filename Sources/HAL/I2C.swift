/// A 7-bit I2C target address.
///
/// 10-bit addressing is not supported by the devices on this vehicle; the initializer refuses
/// values above `0x7F` rather than truncating them.
public struct I2CAddress: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt8

    /// Creates an address, or `nil` if `rawValue` does not fit in seven bits.
    public init?(rawValue: UInt8) {
        guard rawValue <= 0x7F else { return nil }
        self.rawValue = rawValue
    }

    /// Creates an address from a literal known at compile time.
    ///
    /// - Warning: `value` must fit in seven bits; this is a programmer error, checked by a precondition.
    public init(_ value: UInt8) {
        precondition(value <= 0x7F, "I2C address \(value) does not fit in 7 bits")
        self.rawValue = value
    }

    public var description: String {
        "0x" + String(rawValue, radix: 16).leftPadded(to: 2)
    }

    public static func < (lhs: I2CAddress, rhs: I2CAddress) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One segment of a raw I2C transaction.
///
/// Consecutive segments are joined by a repeated START; the transaction ends with one STOP.
public enum I2COperation: Sendable, Equatable {
    /// Write these bytes to the target.
    case write([UInt8])
    /// Read this many bytes from the target.
    case read(count: Int)
}

/// The SMBus or raw call that failed, carried in every ``I2CError``.
public enum I2COperationName: String, Sendable {
    case transaction
    case readByteData = "read byte data"
    case writeByteData = "write byte data"
    case readWordData = "read word data"
    case writeWordData = "write word data"
    case readBlockData = "read i2c block data"
    case writeBlockData = "write i2c block data"
    case open
}

/// An I2C failure: what kind it was, which call failed and, for real buses, the errno.
public struct I2CError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Who did not acknowledge.
    public enum NoAcknowledgeSource: Sendable, Equatable {
        case address
        case data
        case unknown
    }

    /// The error kinds of embedded-hal, which every adapter's errors map to.
    public enum Kind: Sendable, Equatable {
        /// A bus error (EIO, EBUSY, EINVAL on Linux).
        case bus
        /// Another controller won arbitration (EAGAIN on Linux).
        case arbitrationLost
        /// The target did not acknowledge its address or a data byte (ENXIO on Linux).
        case noAcknowledge(NoAcknowledgeSource)
        /// The transfer did not complete in time (ETIMEDOUT on Linux).
        case timeout
        /// The adapter cannot do this kind of transfer (EOPNOTSUPP on Linux; i2c-stub and raw transfers).
        case unsupported
        /// Anything else.
        case other
    }

    public var kind: Kind
    public var operation: I2COperationName
    public var address: I2CAddress?
    /// The bus's name (`i2c-1`, `sim-i2c`), for messages.
    public var bus: String
    /// The errno the kernel returned, when there was one.
    public var errno: Int32?

    public init(_ kind: Kind, operation: I2COperationName, address: I2CAddress?, bus: String, errno: Int32? = nil) {
        self.kind = kind
        self.operation = operation
        self.address = address
        self.bus = bus
        self.errno = errno
    }

    public var description: String {
        var text: String
        switch kind {
        case .bus: text = "bus error"
        case .arbitrationLost: text = "arbitration lost"
        case .noAcknowledge(.address): text = "no acknowledge (address)"
        case .noAcknowledge(.data): text = "no acknowledge (data)"
        case .noAcknowledge(.unknown): text = "no acknowledge"
        case .timeout: text = "timeout"
        case .unsupported: text = "unsupported operation"
        case .other: text = "I2C error"
        }
        text += " on \(bus)"
        if let address { text += " \(address)" }
        text += " (\(operation.rawValue)"
        if let errno { text += ", errno \(errno)" }
        return text + ")"
    }
}

/// An I2C bus controller.
///
/// One required raw method, ``transaction(_:_:)``, as in embedded-hal; the SMBus register
/// operations are first-class requirements because many adapters (and Linux's i2c-stub) speak
/// SMBus only. Drivers prefer the SMBus calls.
///
/// Byte order: SMBus word data is sent low byte first. ``readWordData(_:register:)`` returns the
/// word as SMBus defines it (first byte on the wire in bits 0–7). Devices that send their
/// registers most-significant byte first (INA226, MPU-6050) must swap; see ``UInt16/byteSwapped``.
///
/// - Warning: A bus is used from one thread at a time. Implementations shared between threads
///   serialize calls internally.
public protocol I2CBus: AnyObject {
    /// A short name for messages, such as `i2c-1`.
    var name: String { get }

    /// Performs write and read segments with repeated STARTs and one final STOP.
    /// - Returns: the bytes of each `.read` segment, in order.
    /// - Throws: ``I2CError``; `.unsupported` on SMBus-only adapters.
    func transaction(_ address: I2CAddress, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]]

    /// SMBus "read byte data": write `register`, repeated START, read one byte.
    func readByteData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt8
    /// SMBus "write byte data": write `register`, then `value`.
    func writeByteData(_ address: I2CAddress, register: UInt8, value: UInt8) throws(I2CError)
    /// SMBus "read word data": write `register`, repeated START, read two bytes, low byte first.
    func readWordData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt16
    /// SMBus "write word data": write `register`, then the low byte, then the high byte.
    func writeWordData(_ address: I2CAddress, register: UInt8, value: UInt16) throws(I2CError)
    /// SMBus "I2C block read": write `register`, repeated START, read `count` (1...32) bytes.
    func readBlockData(_ address: I2CAddress, register: UInt8, count: Int) throws(I2CError) -> [UInt8]
    /// SMBus "I2C block write": write `register`, then up to 32 bytes.
    func writeBlockData(_ address: I2CAddress, register: UInt8, bytes: [UInt8]) throws(I2CError)
}

extension I2CBus {
    /// Writes `bytes` in one transaction.
    public func write(_ address: I2CAddress, _ bytes: [UInt8]) throws(I2CError) {
        _ = try transaction(address, [.write(bytes)])
    }

    /// Reads `count` bytes in one transaction.
    public func read(_ address: I2CAddress, count: Int) throws(I2CError) -> [UInt8] {
        try transaction(address, [.read(count: count)]).first ?? []
    }

    /// Writes `bytes`, then reads `count` bytes after a repeated START.
    public func writeRead(_ address: I2CAddress, _ bytes: [UInt8], readCount count: Int) throws(I2CError) -> [UInt8] {
        try transaction(address, [.write(bytes), .read(count: count)]).first ?? []
    }

    /// Reads a 16-bit register sent most-significant byte first (INA226, MPU-6050 style) through
    /// SMBus word data, swapping the bytes.
    public func readBigEndianWord(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt16 {
        try readWordData(address, register: register).byteSwapped
    }

    /// Writes a 16-bit register that expects its most-significant byte first, through SMBus word data.
    public func writeBigEndianWord(_ address: I2CAddress, register: UInt8, value: UInt16) throws(I2CError) {
        try writeWordData(address, register: register, value: value.byteSwapped)
    }
}

extension String {
    /// Pads with leading zeros up to `width` characters.
    @usableFromInline
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
