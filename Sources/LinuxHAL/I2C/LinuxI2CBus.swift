#if canImport(Glibc)
    import Glibc
#endif
import CI2C
import HAL

/// An I2C bus through Linux's i2c-dev interface (`/dev/i2c-N`).
///
/// SMBus register calls go through libi2c (`i2c_smbus_read_byte_data` and friends) after the
/// `I2C_SLAVE` ioctl selects the target; the selected address is remembered and selected again
/// only when it changes. Raw ``transaction(_:_:)`` uses `I2C_RDWR` (repeated STARTs, one STOP),
/// which SMBus-only adapters such as i2c-stub refuse with `.unsupported`.
///
/// One instance per device node: ``shared(path:)`` hands every driver on a bus the same
/// instance, so the node is opened once, its file descriptor is closed exactly once (when the
/// last user lets go of the bus), and transfers from different threads are serialized by one
/// lock — a transfer of one driver never splits another's address selection from its transfer.
/// Errors carry the kernel's errno; see ``HAL/I2CError/Kind/init(linuxErrno:)`` for the mapping.
///
/// `I2C_SLAVE` refuses (`EBUSY`, reported as `.bus`) an address that a kernel driver has bound;
/// unbind the kernel driver rather than forcing the address.
///
/// - Warning: Every call blocks for the length of the transfer (about 0.1–1 ms at 100 kHz) and
///   waits for transfers of other threads on the same bus: call it from an I/O thread.
public final class LinuxI2CBus: I2CBus, ReconnectableBus, @unchecked Sendable {
    /// The device node's file name, such as `i2c-1`.
    public let name: String
    /// The device node the bus was opened from, such as `/dev/i2c-1`.
    public let path: String
    /// The adapter's functionality bits (`I2C_FUNCS`, the `I2C_FUNC_*` constants of
    /// `<linux/i2c.h>`).
    public let functionality: UInt
    /// The open descriptor and the address `I2C_SLAVE` selected last (`nil` before the first
    /// SMBus call, after a failed selection or a reopen), under the lock that serializes transfers.
    private struct Adapter {
        var fd: Int32
        var selected: I2CAddress?
    }

    private let adapter: LockedValue<Adapter>
    /// Reopens so far (``reconnect()``).
    public var reopenCount: Int { reopens.current }
    private let reopens = LockedValue(0)

    private struct Registration {
        weak var bus: LinuxI2CBus?
    }

    /// Open buses by canonical device path. Entries are weak: a bus nobody uses is closed.
    private static let registry = LockedValue<[String: Registration]>([:])

    /// The process-wide bus for a device node, opened on first use.
    ///
    /// Two paths naming the same node (a udev symlink and `/dev/i2c-1`) give the same instance.
    ///
    /// - Parameter path: the device node, such as `/dev/i2c-1`.
    /// - Throws: ``HAL/I2CError`` with operation `.open`, the path as its bus and the errno
    ///   (`ENOENT` for a missing node, `EACCES` without permission, `ENOTTY` for a file that is
    ///   not an I2C adapter).
    public static func shared(path: String) throws(I2CError) -> LinuxI2CBus {
        let key = canonicalPath(path)
        return try registry.withLock { (buses) throws(I2CError) -> LinuxI2CBus in
            if let bus = buses[key]?.bus { return bus }
            let bus = try LinuxI2CBus(opening: path)
            buses[key] = Registration(bus: bus)
            return bus
        }
    }

    /// The process-wide bus for adapter `number` (`/dev/i2c-<number>`).
    ///
    /// - Throws: ``HAL/I2CError`` with operation `.open`; see ``shared(path:)``.
    public static func shared(busNumber number: Int) throws(I2CError) -> LinuxI2CBus {
        try shared(path: "/dev/i2c-\(number)")
    }

    private init(opening path: String) throws(I2CError) {
        let (fd, functions) = try Self.open(path)
        adapter = LockedValue(Adapter(fd: fd, selected: nil))
        self.path = path
        self.functionality = functions
        self.name = path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Opens the node and reads its functionality bits.
    private static func open(_ path: String) throws(I2CError) -> (fd: Int32, functionality: UInt) {
        let opened = retryingOnInterrupt { Glibc.open(path, O_RDWR | O_CLOEXEC) }
        let fd: Int32
        switch opened {
        case .success(let descriptor): fd = descriptor
        case .failure(let failure):
            throw I2CError(I2CError.Kind(linuxErrno: failure.errno), operation: .open, address: nil, bus: path, errno: failure.errno)
        }
        var functions: UInt = 0
        let queried = retryingOnInterrupt { ioctl(fd, UInt(I2C_FUNCS), &functions) }
        if case .failure(let failure) = queried {
            Glibc.close(fd)
            throw I2CError(I2CError.Kind(linuxErrno: failure.errno), operation: .open, address: nil, bus: path, errno: failure.errno)
        }
        return (fd, functions)
    }

    deinit {
        // Linux releases the descriptor even when close() is interrupted: never retry it.
        Glibc.close(adapter.current.fd)
    }

    /// Opens the device node again and, if that works, closes the old descriptor (an adapter
    /// that was unbound and bound again, a replugged USB–I2C bridge). Transfers wait meanwhile.
    /// - Throws: ``HAL/BusReconnectError``; the old descriptor is kept.
    public func reconnect() throws(BusReconnectError) {
        let path = self.path
        let outcome = adapter.withLock { (adapter) -> I2CError? in
            do throws(I2CError) {
                let (fd, _) = try Self.open(path)
                Glibc.close(adapter.fd)
                adapter = Adapter(fd: fd, selected: nil)
                return nil
            } catch {
                return error
            }
        }
        if let outcome { throw BusReconnectError(bus: name, message: outcome.description) }
        reopens.withLock { $0 += 1 }
    }

    /// Whether the adapter performs raw I2C transfers (`I2C_FUNC_I2C`); SMBus-only adapters
    /// answer ``transaction(_:_:)`` with `.unsupported`.
    public var supportsRawTransactions: Bool { functionality & UInt(I2C_FUNC_I2C) != 0 }

    // MARK: SMBus

    public func readByteData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt8 {
        let value = try smbus(address, .readByteData) { fd in i2c_smbus_read_byte_data(fd, register) }
        return UInt8(truncatingIfNeeded: value)
    }

    public func writeByteData(_ address: I2CAddress, register: UInt8, value: UInt8) throws(I2CError) {
        _ = try smbus(address, .writeByteData) { fd in i2c_smbus_write_byte_data(fd, register, value) }
    }

    public func readWordData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt16 {
        let value = try smbus(address, .readWordData) { fd in i2c_smbus_read_word_data(fd, register) }
        return UInt16(truncatingIfNeeded: value)
    }

    public func writeWordData(_ address: I2CAddress, register: UInt8, value: UInt16) throws(I2CError) {
        _ = try smbus(address, .writeWordData) { fd in i2c_smbus_write_word_data(fd, register, value) }
    }

    /// The largest SMBus block (`I2C_SMBUS_BLOCK_MAX`).
    static let smbusBlockMax = 32

    public func readBlockData(_ address: I2CAddress, register: UInt8, count: Int) throws(I2CError) -> [UInt8] {
        guard (1...Self.smbusBlockMax).contains(count) else {
            throw I2CError(.unsupported, operation: .readBlockData, address: address, bus: name)
        }
        var bytes = [UInt8](repeating: 0, count: Self.smbusBlockMax)
        let received = try bytes.withUnsafeMutableBufferPointer { (buffer) throws(I2CError) -> Int32 in
            let base = buffer.baseAddress
            return try smbus(address, .readBlockData) { fd in
                i2c_smbus_read_i2c_block_data(fd, register, UInt8(count), base)
            }
        }
        guard received == count else {
            // The adapter delivered a different length than asked for: never pad or truncate silently.
            throw I2CError(.other, operation: .readBlockData, address: address, bus: name)
        }
        bytes.removeLast(Self.smbusBlockMax - count)
        return bytes
    }

    public func writeBlockData(_ address: I2CAddress, register: UInt8, bytes: [UInt8]) throws(I2CError) {
        guard bytes.count <= Self.smbusBlockMax else {
            throw I2CError(.unsupported, operation: .writeBlockData, address: address, bus: name)
        }
        _ = try bytes.withUnsafeBufferPointer { (buffer) throws(I2CError) -> Int32 in
            let base = buffer.baseAddress
            return try smbus(address, .writeBlockData) { fd in
                i2c_smbus_write_i2c_block_data(fd, register, UInt8(buffer.count), base)
            }
        }
    }

    /// Selects `address` if needed and runs one libi2c call, under the bus lock.
    private func smbus(_ address: I2CAddress, _ operation: I2COperationName, _ call: (Int32) -> Int32) throws(I2CError) -> Int32 {
        let outcome = adapter.withLock { (adapter) -> Result<Int32, SyscallFailure> in
            let fd = adapter.fd
            if adapter.selected != address {
                adapter.selected = nil
                let selection = retryingOnInterrupt { ioctl(fd, UInt(I2C_SLAVE), CInt(address.rawValue)) }
                if case .failure(let failure) = selection { return .failure(failure) }
                adapter.selected = address
            }
            return retryingOnInterruptReturningNegatedErrno { call(fd) }
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let failure): throw error(failure.errno, operation, address)
        }
    }

    // MARK: Raw transfers

    public func transaction(_ address: I2CAddress, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]] {
        if operations.isEmpty { return [] }
        var total = 0
        for operation in operations {
            let length: Int
            switch operation {
            case .write(let bytes): length = bytes.count
            case .read(let count): length = count
            }
            // A segment length travels in a 16-bit field; a negative count is a caller's mistake
            // reported, as the simulated bus does, as `.other`.
            guard (0...Int(UInt16.max)).contains(length) else {
                throw I2CError(.other, operation: .transaction, address: address, bus: name)
            }
            total += length
        }

        var data = [UInt8](repeating: 0, count: total)
        let outcome = data.withUnsafeMutableBufferPointer { (buffer) -> Result<Int32, SyscallFailure> in
            var messages: [i2c_msg] = []
            messages.reserveCapacity(operations.count)
            var offset = 0
            for operation in operations {
                let start = buffer.baseAddress.map { $0 + offset }
                switch operation {
                case .write(let bytes):
                    for (index, byte) in bytes.enumerated() { buffer[offset + index] = byte }
                    messages.append(i2c_msg(addr: UInt16(address.rawValue), flags: 0, len: UInt16(bytes.count), buf: start))
                    offset += bytes.count
                case .read(let count):
                    messages.append(i2c_msg(addr: UInt16(address.rawValue), flags: UInt16(I2C_M_RD), len: UInt16(count), buf: start))
                    offset += count
                }
            }
            return messages.withUnsafeMutableBufferPointer { (list) -> Result<Int32, SyscallFailure> in
                var request = i2c_rdwr_ioctl_data(msgs: list.baseAddress, nmsgs: UInt32(list.count))
                // The bus lock keeps this transfer from interleaving with another driver's selection.
                return adapter.withLock { adapter in
                    retryingOnInterrupt { ioctl(adapter.fd, UInt(I2C_RDWR), &request) }
                }
            }
        }
        switch outcome {
        case .failure(let failure):
            throw error(failure.errno, .transaction, address)
        case .success(let transferred) where transferred != Int32(operations.count):
            throw I2CError(.other, operation: .transaction, address: address, bus: name)
        case .success:
            break
        }

        var reads: [[UInt8]] = []
        var offset = 0
        for operation in operations {
            switch operation {
            case .write(let bytes): offset += bytes.count
            case .read(let count):
                reads.append(Array(data[offset..<(offset + count)]))
                offset += count
            }
        }
        return reads
    }

    private func error(_ code: Int32, _ operation: I2COperationName, _ address: I2CAddress) -> I2CError {
        I2CError(I2CError.Kind(linuxErrno: code), operation: operation, address: address, bus: name, errno: code)
    }

    /// The path with symlinks resolved, so every name of one node finds the same bus.
    private static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
