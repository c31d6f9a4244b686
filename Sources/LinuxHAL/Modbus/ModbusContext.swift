import CModbus
import HAL

#if canImport(Glibc)
    import Glibc
#endif

/// Owns one libmodbus context (`modbus_t *`): creates it, connects and closes it, frees it
/// exactly once in `deinit`.
///
/// - Warning: Not thread-safe. ``LinuxModbusClient`` only touches it with its bus lock held.
final class ModbusContext {
    let pointer: OpaquePointer
    private(set) var isConnected = false
    private let serialMode: ModbusBusConfiguration.SerialMode?

    /// Creates the context and sets the configured timeouts. Does not connect.
    /// - Throws: ``HAL/ModbusError/transport(_:errno:)`` if libmodbus refuses the parameters.
    init(_ configuration: ModbusBusConfiguration) throws(ModbusError) {
        let created: OpaquePointer?
        switch configuration.transport {
        case .tcp(let host, let port):
            // The protocol-independent constructor resolves names and IPv6 as well.
            created = modbus_new_tcp_pi(host, String(port))
            serialMode = nil
        case .rtu(let device, let baud, let parity, let dataBits, let stopBits, let mode):
            created = modbus_new_rtu(
                device, Int32(clamping: baud), CChar(UInt8(ascii: parity.rawValue.unicodeScalars.first ?? "N")),
                Int32(dataBits), Int32(stopBits))
            serialMode = mode
        }
        guard let created else {
            let code = errno
            throw .transport("cannot create libmodbus context: " + LibmodbusErrno.message(code), errno: code)
        }
        pointer = created
        do {
            try Self.check(Self.setTimeout(configuration.responseTimeout, modbus_set_response_timeout, pointer), "response timeout")
            try Self.check(Self.setTimeout(configuration.byteTimeout, modbus_set_byte_timeout, pointer), "byte timeout")
        } catch {
            modbus_free(pointer)
            throw error
        }
    }

    deinit {
        if isConnected { modbus_close(pointer) }
        modbus_free(pointer)
    }

    /// Opens the socket or serial port (and sets the RS-485 mode when configured).
    /// - Returns: `nil` on success, or the errno of the failure.
    func connect() -> Int32? {
        guard !isConnected else { return nil }
        if modbus_connect(pointer) != 0 {
            let code = errno
            modbus_close(pointer)
            return code
        }
        if let serialMode {
            let mode = serialMode == .rs485 ? MODBUS_RTU_RS485 : MODBUS_RTU_RS232
            if modbus_rtu_set_serial_mode(pointer, Int32(mode)) != 0 {
                let code = errno
                modbus_close(pointer)
                return code
            }
        }
        isConnected = true
        return nil
    }

    /// Closes the socket or serial port; the context stays usable for a later ``connect()``.
    func close() {
        guard isConnected else { return }
        modbus_close(pointer)
        isConnected = false
    }

    /// Discards bytes that arrived after a failed exchange (a late response would otherwise be
    /// taken for the answer to the next request).
    func flush() {
        if isConnected { _ = modbus_flush(pointer) }
    }

    /// The response timeout now in force.
    func responseTimeout() -> Duration {
        var seconds: UInt32 = 0
        var microseconds: UInt32 = 0
        _ = modbus_get_response_timeout(pointer, &seconds, &microseconds)
        return .seconds(Int64(seconds)) + .microseconds(Int64(microseconds))
    }

    /// Sets the response timeout (both parts zero is refused by libmodbus; the minimum is 1 µs).
    func setResponseTimeout(_ timeout: Duration) -> Bool {
        Self.setTimeout(timeout, modbus_set_response_timeout, pointer) == 0
    }

    private static func setTimeout(
        _ timeout: Duration,
        _ setter: (OpaquePointer?, UInt32, UInt32) -> Int32,
        _ pointer: OpaquePointer
    ) -> Int32 {
        let nanoseconds = max(timeout.nanoseconds, 1_000)
        let seconds = UInt32(clamping: nanoseconds / 1_000_000_000)
        let microseconds = UInt32((nanoseconds % 1_000_000_000) / 1_000)
        return setter(pointer, seconds, microseconds)
    }

    private static func check(_ result: Int32, _ what: String) throws(ModbusError) {
        if result != 0 {
            let code = errno
            throw .transport("cannot set \(what): " + LibmodbusErrno.message(code), errno: code)
        }
    }
}
