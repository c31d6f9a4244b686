import CModbus
import HAL

#if canImport(Glibc)
    import Glibc
#endif

/// How a libmodbus failure is classified: the ``HAL/ModbusError`` the caller sees, and what the
/// client does about its connection.
enum ModbusFailure: Equatable {
    /// The connection is gone: close it, reconnect on the next request.
    case connectionLost(ModbusError)
    /// The exchange failed but the link is up; stale bytes may be in flight: flush.
    case exchangeFailed(ModbusError)
    /// The server answered with an exception: the link is fine.
    case answered(ModbusError)

    var error: ModbusError {
        switch self {
        case .connectionLost(let error), .exchangeFailed(let error), .answered(let error): return error
        }
    }
}

/// libmodbus's own errno values (modbus.h: `MODBUS_ENOBASE` + n). The `EMBX*` values are
/// `MODBUS_ENOBASE` plus the exception code (1...11); the macros build on an enum and do not
/// import into Swift, so they are spelt out here.
enum LibmodbusErrno {
    static let base = Int32(MODBUS_ENOBASE)
    /// `EMBXGTAR + 1`: CRC mismatch in an RTU response.
    static let badCRC = base + 12
    /// `EMBBADDATA`: a response that does not match the request (length, TID, unit, function).
    static let badData = base + 13
    /// `EMBBADEXC`: an invalid exception code.
    static let badException = base + 14
    /// `EMBUNKEXC`: unknown exception (unused by 3.1.x).
    static let unknownException = base + 15
    /// `EMBMDATA`: too many data for one request.
    static let tooManyData = base + 16
    /// `EMBBADSLAVE`: response from another unit.
    static let badSlave = base + 17

    /// Classifies the errno left by a failed libmodbus call for a request to `unit`.
    static func classify(_ code: Int32, unit: UInt8, function: UInt8) -> ModbusFailure {
        let offset = code - base
        if (1...11).contains(offset) {
            return .answered(.exception(ModbusExceptionCode(code: UInt8(offset)), unit: unit, function: function))
        }
        switch code {
        case badCRC:
            return .exchangeFailed(.crc(unit: unit))
        case badData, badException, unknownException, badSlave:
            return .exchangeFailed(.invalidResponse(message(code)))
        case tooManyData:
            return .answered(.invalidRequest(message(code)))
        case ETIMEDOUT:
            return .exchangeFailed(.timeout(unit: unit))
        case ECONNRESET, EPIPE, EBADF, ECONNREFUSED, ENOTCONN, ECONNABORTED, EHOSTUNREACH, ENETUNREACH,
            EIO, ENXIO, ENODEV:
            // EIO/ENXIO/ENODEV: the serial device went away (USB adapter unplugged, pty closed).
            return .connectionLost(.connectionLost(message(code)))
        default:
            return .exchangeFailed(.transport(message(code), errno: code))
        }
    }

    /// libmodbus's text for `code` (it covers both its own codes and the C library's).
    static func message(_ code: Int32) -> String {
        guard let text = modbus_strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
