import Link
import SpaceLink

/// How a FARM-1 control command (COP-1 directive in a type-BC frame) ended, as the CLCWs of
/// the downlink show it.
public enum FARMControlResult: Sendable, Hashable {
    /// The CLCW shows the command's effect: Lockout cleared (Unlock), or V(R) = the value
    /// outside Lockout (Set V(R)).
    case confirmed(CLCW)
    /// Set V(R) arrived while FARM-1 was in Lockout: counted (FARM-B) but not executed. Unlock first.
    case lockedOut(CLCW)
    /// No CLCW showing the effect before the timeout; the last CLCW of the VC, if any.
    case timedOut(last: CLCW?)

    /// Process exit status: 0 confirmed, 2 timed out, 3 FARM-1 in lockout (the same statuses
    /// as `iost-ground send`).
    public var exitCode: Int32 {
        switch self {
        case .confirmed: 0
        case .timedOut: 2
        case .lockedOut: 3
        }
    }
}

/// Sends Unlock or Set V(R) to one TC virtual channel's FARM-1 and follows the CLCWs in the
/// downlink's OCF until they show the effect (CCSDS 232.1-B-2 §6: E7 Unlock, E8 Set V(R)).
public struct FARMControl: Sendable {
    public var spacecraftID: UInt16
    public var virtualChannel: UInt8
    public var uplink: SocketAddress
    public var timeout: Duration
    public var mib: MissionInformationBase
    /// SDLS for the protected virtual channels (`nil`: frames go plain).
    public var protection: UplinkProtection?

    public init(mib: MissionInformationBase, virtualChannel: UInt8, uplink: SocketAddress, timeout: Duration = .seconds(5)) {
        self.mib = mib
        spacecraftID = mib.spacecraftID
        self.virtualChannel = virtualChannel
        self.uplink = uplink
        self.timeout = timeout
    }

    /// Whether `clcw` shows `command` done.
    public static func shows(_ command: ControlCommand, _ clcw: CLCW, farmBBefore: UInt8) -> FARMControlResult? {
        switch command {
        case .unlock:
            return clcw.lockout ? nil : .confirmed(clcw)
        case .setVR(let value):
            if !clcw.lockout, clcw.reportValue == value, !clcw.wait { return .confirmed(clcw) }
            // In Lockout, Set V(R) only moves the FARM-B counter: not executed.
            if clcw.lockout, clcw.farmBCounter != farmBBefore { return .lockedOut(clcw) }
            return nil
        }
    }

    /// Sends the command on `socket` (bound to the downlink address) and waits for its effect.
    /// - Throws: ``ExchangeError/socket(_:)``.
    public func run(_ command: ControlCommand, socket: UDPSocket) throws(ExchangeError) -> FARMControlResult {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var decoder = DownlinkDecoder(mib: mib)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        // The CLCW before the command (from frames already queued), for the FARM-B counter.
        do {
            while let datagram = try socket.receive(into: &buffer, timeout: .zero) { _ = decoder.receive(frame: buffer[0..<datagram.count]) }
        } catch {
            throw .socket(error)
        }
        // A CLCW of the VC first, so the FARM-B counter tells whether Set V(R) was refused.
        while decoder.link.clcwByVirtualChannel[virtualChannel] == nil, clock.now < deadline {
            do {
                if let datagram = try socket.receive(into: &buffer, timeout: deadline - clock.now) { _ = decoder.receive(frame: buffer[0..<datagram.count]) }
            } catch {
                throw .socket(error)
            }
        }
        guard let before = decoder.link.clcwByVirtualChannel[virtualChannel]?.farmBCounter else { return .timedOut(last: nil) }
        let plain = TCFrame(controlCommand: command, spacecraftID: spacecraftID, virtualChannel: virtualChannel)
        let frame: [UInt8]
        do {
            frame = try protection?.seal(plain) ?? plain.encoded
        } catch {
            throw .command(error)
        }
        do {
            try socket.send(frame, to: uplink)
        } catch {
            throw .socket(error)
        }
        var last: CLCW?
        while clock.now < deadline {
            let datagram: ReceivedDatagram?
            do {
                datagram = try socket.receive(into: &buffer, timeout: deadline - clock.now)
            } catch {
                throw .socket(error)
            }
            guard let datagram else { continue }
            _ = decoder.receive(frame: buffer[0..<datagram.count])
            guard let clcw = decoder.link.clcwByVirtualChannel[virtualChannel] else { continue }
            last = clcw
            if let result = Self.shows(command, clcw, farmBBefore: before) { return result }
        }
        return .timedOut(last: last)
    }
}
