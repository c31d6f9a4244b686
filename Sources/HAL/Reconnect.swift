/// Why a bus could not be reopened.
public struct BusReconnectError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bus's name.
    public var bus: String
    /// What failed (the open or connect call and its error).
    public var message: String

    public init(bus: String, message: String) {
        self.bus = bus
        self.message = message
    }

    public var description: String { "\(bus): \(message)" }
}

/// A bus whose connection to the hardware can be closed and opened again: an I2C adapter's file
/// descriptor, a Modbus TCP connection or serial port.
///
/// Device recovery uses it: after a transfer failed, the next attempt reopens the bus first, so
/// an adapter that was replugged or a peer that restarted is found again.
public protocol ReconnectableBus: AnyObject {
    /// Closes the connection and opens it again now, ignoring any reconnect back-off of the
    /// implementation (the caller paces its attempts).
    /// - Throws: ``BusReconnectError``; the bus then stays closed or keeps its old connection.
    func reconnect() throws(BusReconnectError)
}
