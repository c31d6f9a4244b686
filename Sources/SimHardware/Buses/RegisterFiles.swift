import HAL

/// A bank of 8-bit registers behind a register pointer with auto-increment, the layout of the
/// BME280 and the MPU-6050: a write segment's first byte sets the pointer, following bytes are
/// written at successive addresses; a read segment returns bytes from the pointer on.
///
/// Device models subclass or compose this and react to writes in ``onWrite``.
public final class ByteRegisterFile: I2CDeviceModel, @unchecked Sendable {
    public var registers: [UInt8]
    public private(set) var pointer: UInt8 = 0
    /// Called after a register is written by the bus, with the register and the value.
    public var onWrite: ((UInt8, UInt8) -> Void)?
    /// Called before a register is read by the bus, to refresh it (e.g. clear-on-read status).
    public var onRead: ((UInt8) -> Void)?
    /// Registers the bus may not write (read-only in the datasheet): writes to them are ignored.
    public var readOnly: Set<UInt8> = []

    public init(fill: UInt8 = 0) {
        registers = Array(repeating: fill, count: 256)
    }

    public subscript(register: UInt8) -> UInt8 {
        get { registers[Int(register)] }
        set { registers[Int(register)] = newValue }
    }

    public func receive(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        pointer = first
        for value in bytes.dropFirst() {
            if !readOnly.contains(pointer) {
                registers[Int(pointer)] = value
                onWrite?(pointer, value)
            }
            pointer &+= 1
        }
    }

    public func transmit(count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for _ in 0..<max(count, 0) {
            onRead?(pointer)
            out.append(registers[Int(pointer)])
            pointer &+= 1
        }
        return out
    }
}

/// A bank of 16-bit registers sent most-significant byte first behind an 8-bit pointer, the
/// layout of the INA226 and the ADS1115: a write `[pointer, msb, lsb]` writes one register; a
/// read returns the pointed register's two bytes (and repeats them for longer reads).
public final class WordRegisterFile: I2CDeviceModel, @unchecked Sendable {
    public var registers: [UInt8: UInt16] = [:]
    public private(set) var pointer: UInt8 = 0
    /// Called after a register is written by the bus.
    public var onWrite: ((UInt8, UInt16) -> Void)?
    /// Called before a register is read by the bus.
    public var onRead: ((UInt8) -> Void)?
    /// Registers the bus may not write: writes to them are ignored.
    public var readOnly: Set<UInt8> = []

    public init() {}

    public subscript(register: UInt8) -> UInt16 {
        get { registers[register] ?? 0 }
        set { registers[register] = newValue }
    }

    public func receive(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        pointer = first
        if bytes.count >= 3, !readOnly.contains(pointer) {
            let value = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
            registers[pointer] = value
            onWrite?(pointer, value)
        }
    }

    public func transmit(count: Int) -> [UInt8] {
        onRead?(pointer)
        let value = registers[pointer] ?? 0
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for index in 0..<max(count, 0) {
            out.append(index % 2 == 0 ? UInt8(value >> 8) : UInt8(value & 0xFF))
        }
        return out
    }
}
