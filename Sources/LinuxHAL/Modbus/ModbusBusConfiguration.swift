import HAL

/// How to reach one physical Modbus bus: a TCP server or gateway, or an RTU serial line, with the
/// timeouts and the reconnect back-off that apply to every request on it.
///
/// A value type: build it from configuration, compare it, hand it to ``LinuxModbusClient``.
public struct ModbusBusConfiguration: Sendable, Equatable {
    /// The parity of an RTU serial line.
    public enum Parity: String, Sendable, Equatable, CaseIterable {
        case none = "N"
        case even = "E"
        case odd = "O"
    }

    /// The electrical mode of an RTU serial port, for UARTs whose kernel driver supports
    /// `TIOCSRS485` (libmodbus `modbus_rtu_set_serial_mode`).
    public enum SerialMode: Sendable, Equatable {
        case rs232
        case rs485
    }

    /// Where the bus is.
    public enum Transport: Sendable, Equatable {
        /// Modbus TCP to `host` (a name, an IPv4 or an IPv6 address) on `port`.
        case tcp(host: String, port: UInt16)
        /// Modbus RTU on the serial device `device` (`/dev/ttyUSB0`).
        /// - Parameters:
        ///   - serialMode: set after opening the port when not `nil`; leave `nil` for USB
        ///     adapters that switch the RS-485 driver themselves, and for ptys.
        case rtu(device: String, baud: Int, parity: Parity, dataBits: Int, stopBits: Int, serialMode: SerialMode?)
    }

    /// The transport.
    public var transport: Transport
    /// How long to wait for the first byte of a response (default 1 s); per-request override
    /// through `perform(_:unit:timeout:)`.
    public var responseTimeout: Duration
    /// How long to wait between two bytes of one response (default 100 ms). A pty or a USB
    /// adapter delivers bytes in bursts: a few milliseconds loses frames (measured).
    public var byteTimeout: Duration
    /// The back-off between reconnect attempts to a peer that refuses or does not answer.
    public var reconnect: ReconnectPolicy

    public init(
        transport: Transport,
        responseTimeout: Duration = .seconds(1),
        byteTimeout: Duration = .milliseconds(100),
        reconnect: ReconnectPolicy = ReconnectPolicy()
    ) {
        self.transport = transport
        self.responseTimeout = responseTimeout
        self.byteTimeout = byteTimeout
        self.reconnect = reconnect
    }

    /// A Modbus TCP bus.
    public static func tcp(
        host: String,
        port: UInt16 = 502,
        responseTimeout: Duration = .seconds(1),
        byteTimeout: Duration = .milliseconds(100),
        reconnect: ReconnectPolicy = ReconnectPolicy()
    ) -> ModbusBusConfiguration {
        ModbusBusConfiguration(
            transport: .tcp(host: host, port: port), responseTimeout: responseTimeout,
            byteTimeout: byteTimeout, reconnect: reconnect)
    }

    /// A Modbus RTU bus (defaults: 19200 baud, 8 data bits, no parity, 1 stop bit — the SCD30's
    /// fixed setting; EPEver controllers use 115200 8N1).
    public static func rtu(
        device: String,
        baud: Int = 19200,
        parity: Parity = .none,
        dataBits: Int = 8,
        stopBits: Int = 1,
        serialMode: SerialMode? = nil,
        responseTimeout: Duration = .seconds(1),
        byteTimeout: Duration = .milliseconds(100),
        reconnect: ReconnectPolicy = ReconnectPolicy()
    ) -> ModbusBusConfiguration {
        ModbusBusConfiguration(
            transport: .rtu(device: device, baud: baud, parity: parity, dataBits: dataBits, stopBits: stopBits, serialMode: serialMode),
            responseTimeout: responseTimeout, byteTimeout: byteTimeout, reconnect: reconnect)
    }

    /// Identifies the physical bus: clients with the same key share one lock.
    var busKey: String {
        switch transport {
        case .tcp(let host, let port): return "tcp:\(host):\(port)"
        case .rtu(let device, _, _, _, _, _): return "rtu:\(device)"
        }
    }

    /// A description of the first problem that makes the configuration unusable, or `nil`.
    public var problem: String? {
        switch transport {
        case .tcp(let host, let port):
            if host.isEmpty { return "empty TCP host" }
            if port == 0 { return "TCP port 0" }
        case .rtu(let device, let baud, _, let dataBits, let stopBits, _):
            if device.isEmpty { return "empty serial device path" }
            if baud <= 0 { return "baud rate \(baud)" }
            if !(5...8).contains(dataBits) { return "data bits \(dataBits) outside 5...8" }
            if !(1...2).contains(stopBits) { return "stop bits \(stopBits) outside 1...2" }
        }
        if responseTimeout <= .zero { return "response timeout \(responseTimeout) not positive" }
        if byteTimeout <= .zero { return "byte timeout \(byteTimeout) not positive" }
        if reconnect.initialDelay < .zero || reconnect.maximumDelay < reconnect.initialDelay {
            return "reconnect delays \(reconnect.initialDelay)...\(reconnect.maximumDelay) not ordered"
        }
        return nil
    }
}

/// The back-off between reconnect attempts.
///
/// After a connection is lost *during* a request, the next request reconnects at once (a peer
/// that restarted or a gateway that dropped an idle socket is back immediately). When a connect
/// attempt fails, requests fail fast with ``HAL/ModbusError/connectionLost(_:)`` — without
/// touching the network — until `initialDelay` has passed; each further failed attempt doubles
/// the wait up to `maximumDelay`. A successful connect resets it. A dead peer therefore sees at
/// most one connect attempt per `maximumDelay`, however often the drivers poll.
public struct ReconnectPolicy: Sendable, Equatable {
    public var initialDelay: Duration
    public var maximumDelay: Duration

    public init(initialDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(5)) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The wait after `delay`, doubled and capped.
    func next(after delay: Duration) -> Duration {
        min(max(delay * 2, initialDelay), maximumDelay)
    }
}
